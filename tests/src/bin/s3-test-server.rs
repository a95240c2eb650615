//! `s3-test-server ROOT`: the tests' S3-compatible server (see `brightrun_tests::s3`) as a
//! process, for the bindings' tests. Prints the storage URL to use (`s3://...`) on one line,
//! then serves until its standard input closes, so it never outlives the test that started
//! it.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use brightrun_tests::s3;

fn main() -> ExitCode {
    let Some(root) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: s3-test-server ROOT");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("s3-test-server: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(s3::start(&root)) {
        Ok(endpoint) => println!("{}", s3::storage_url(&endpoint, s3::SECRET_KEY)),
        Err(e) => {
            eprintln!("s3-test-server: cannot serve {}: {e}", root.display());
            return ExitCode::FAILURE;
        }
    }
    // Serve until the test closes our standard input (or ends).
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}
