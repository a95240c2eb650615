//! Finding the reference trainer before a job is queued.
//!
//! The local backend runs `<python> -m brightrun_trainer`. `$BRIGHTRUN_WORKER`, when set,
//! is the whole command and is checked as given. Otherwise the first of these that can
//! import `brightrun_trainer` is used: the active virtualenv (`$VIRTUAL_ENV`), the venv
//! `scripts/python-env` made (`$BRIGHTRUN_VENV`, else `.venv` of the checkout this CLI was
//! built from), then `python3` on `PATH`. Each is checked with the environment the worker
//! will get, so what passes here imports the same way in the worker. When none can, the
//! error says how to install the trainer, and nothing is queued.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use brightrun_core::backend::local::environment::WorkerEnvironment;
use brightrun_core::service::{BrightRunConfig, WORKER_VAR};

use crate::error::CliError;

/// The error code when no trainer can be run.
pub const NOT_FOUND: &str = "trainer_not_found";
/// The trainer's module.
const MODULE: &str = "brightrun_trainer";
/// Environment variable naming the venv `scripts/python-env` made (as that script reads it).
const VENV_VAR: &str = "BRIGHTRUN_VENV";
/// The venv `scripts/python-env` makes in the checkout this CLI was built from.
const CHECKOUT_VENV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv");
/// Imports the trainer and looks for the libraries it trains with (without loading them).
const PROBE: &str = "import importlib.util, sys\n\
import brightrun_trainer\n\
missing = [m for m in ('torch', 'transformers', 'peft') if importlib.util.find_spec(m) is None]\n\
if missing: sys.exit('brightrun_trainer is installed but not ' + ', '.join(missing))\n";
const HOW_TO_INSTALL: &str = "install the trainer with `scripts/python-env` in a BrightRun checkout (it creates \
.venv with the trainer, which this CLI finds), or `pip install ./trainer` from a checkout into the Python you use \
(an active virtualenv is found), or set BRIGHTRUN_WORKER to the worker command, e.g. \
\"/path/to/venv/bin/python -m brightrun_trainer\"";

/// Sets `config.worker_command` to a trainer that runs, or says why none can.
pub fn require(config: &mut BrightRunConfig) -> Result<(), CliError> {
    let environment = WorkerEnvironment::new(&config.worker_env)?;
    if std::env::var_os(WORKER_VAR).is_some() {
        return check_configured(&config.worker_command, &environment);
    }
    let mut tried = Vec::new();
    for (what, python) in candidates() {
        match probe(&python, &environment) {
            Ok(()) => {
                config.worker_command = vec![python.display().to_string(), "-m".into(), MODULE.into()];
                return Ok(());
            }
            Err(why) => tried.push(format!("{what} ({}): {why}", python.display())),
        }
    }
    Err(CliError::usage(
        NOT_FOUND,
        format!("no Python that can run the reference trainer was found; tried {}", tried.join("; ")),
    )
    .with_hint(HOW_TO_INSTALL))
}

/// The pythons to try, with where each comes from, in order.
fn candidates() -> Vec<(&'static str, PathBuf)> {
    let mut candidates = Vec::new();
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
        candidates.push(("the active virtualenv", Path::new(&venv).join("bin/python")));
    }
    match std::env::var_os(VENV_VAR).filter(|v| !v.is_empty()) {
        Some(venv) => candidates.push((VENV_VAR, Path::new(&venv).join("bin/python"))),
        None => candidates.push(("the checkout's .venv", Path::new(CHECKOUT_VENV).join("bin/python"))),
    }
    candidates.push(("PATH", PathBuf::from("python3")));
    candidates
}

/// `$BRIGHTRUN_WORKER` as given: `<python> -m brightrun_trainer ...` must import the
/// trainer; any other command must at least be a program that exists.
fn check_configured(command: &[String], environment: &WorkerEnvironment) -> Result<(), CliError> {
    let shown = command.join(" ");
    let failure = |why: String| {
        CliError::usage(NOT_FOUND, format!("{WORKER_VAR}=\"{shown}\" cannot run: {why}")).with_hint(HOW_TO_INSTALL)
    };
    let Some(program) = command.first() else { return Err(failure("it is empty".into())) };
    if command.get(1).map(String::as_str) == Some("-m") && command.get(2).map(String::as_str) == Some(MODULE) {
        return probe(Path::new(program), environment).map_err(failure);
    }
    if find_program(program.as_ref()).is_none() {
        return Err(failure(format!("{program} is not an executable file or on PATH")));
    }
    Ok(())
}

/// Runs the probe with `python` in the worker's environment; the reason it failed.
fn probe(python: &Path, environment: &WorkerEnvironment) -> Result<(), String> {
    if find_program(python.as_os_str()).is_none() {
        return Err("not found".into());
    }
    let mut command = Command::new(python);
    environment.apply(&mut command);
    let output =
        command.args(["-c", PROBE]).stdin(Stdio::null()).output().map_err(|e| format!("cannot run it: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("it failed").trim().to_owned())
}

/// The executable a program name runs: a path as given, else the first on `PATH`.
fn find_program(program: &OsStr) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let executable = |path: &Path| path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    let path = Path::new(program);
    if path.components().count() > 1 {
        return executable(path).then(|| path.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(program)).find(|p| executable(p))
}
