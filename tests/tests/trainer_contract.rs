//! The contract between the core and the reference trainer (`trainer/`), checked across the
//! language boundary: both must format conversations identically, or the validator's
//! token counts would not be what the worker trains on.

use std::path::PathBuf;
use std::process::Command;

use brightrun_core::dataset::tokenizer::CHATML_TEMPLATE;

fn trainer_constant(name: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = format!(
        "import sys; sys.path.insert(0, 'trainer/src'); \
         from brightrun_trainer import data; sys.stdout.write(data.{name})"
    );
    let output = Command::new("python3").arg("-c").arg(script).current_dir(root).output().expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_trainer_uses_the_cores_default_chat_template() {
    assert_eq!(trainer_constant("DEFAULT_CHAT_TEMPLATE"), CHATML_TEMPLATE);
}
