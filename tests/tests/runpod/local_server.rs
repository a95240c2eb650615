//! The real handler under the runpod SDK's local API server (`--rp_serve_api`), training the
//! smoke model with the real trainer. What that server cannot do (it has no `/cancel`, runs
//! the job inside the first `/status` or `/stream` request and then forgets it, answers a
//! raising handler with HTTP 500) is tested against the double in [`super::api`].

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use brightrun_core::service::BackendChoice;
use brightrun_tests::engine::{Backend, assert_attempt_objects_removed, completes_with_verified_files, repo};
use url::Url;

use super::world;

/// The Python of the trainer, if it has `runpod`; else SKIPPED (a failure when `CI=true`).
fn python_with_runpod() -> Option<String> {
    let python = std::env::var("BRIGHTRUN_TRAINER_PYTHON").unwrap_or_else(|_| "python3".into());
    let has_runpod = Command::new(&python)
        .args(["-c", "import runpod, torch, peft"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if has_runpod {
        return Some(python);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{python} has no runpod: CI must run the RunPod tests (scripts/python-env installs trainer[runpod])"
    );
    eprintln!("SKIPPED: {python} cannot import runpod, torch and peft (scripts/python-env installs them)");
    None
}

/// The SDK's local API server running the handler, on a free port of 127.0.0.1.
struct LocalServer {
    child: Child,
    url: Url,
}

impl LocalServer {
    fn start(python: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(python)
            .args(["-m", "brightrun_trainer.runpod_handler", "--rp_serve_api", "--rp_api_host", "127.0.0.1"])
            .args(["--rp_api_port", &port.to_string()])
            .env("PYTHONPATH", repo().join("trainer/src"))
            .env("HF_HUB_OFFLINE", "1")
            .env("TOKENIZERS_PARALLELISM", "false")
            .env("RUNPOD_LOG_LEVEL", "WARN")
            .stdout(Stdio::null())
            .spawn()
            .expect("the local API server starts");
        let server = Self { child, url: Url::parse(&format!("runpod+http://127.0.0.1:{port}")).unwrap() };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "the local API server listens within a minute");
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!("runpod local API server up in {:.1} s", started.elapsed().as_secs_f64());
        server
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_smoke_job_completes_under_the_sdk_local_server_with_its_adapter_uploaded_and_verified() {
    let Some(python) = python_with_runpod() else { return };
    let server = LocalServer::start(&python);
    let choice: BackendChoice = server.url.as_str().parse().unwrap();
    let world = world(Backend::Choice(choice)).await;
    completes_with_verified_files(&world, "the SDK's local API server").await;
    assert_attempt_objects_removed(world.bucket.as_deref().expect("a store of its own"));
}
