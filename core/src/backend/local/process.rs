//! Processes by pid, safely: liveness that survives pid reuse, and signals.

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

/// A process, identified by its pid and its start time (so a reused pid is not mistaken
/// for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessId {
    /// The pid.
    pub pid: i32,
    /// Start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
    pub start_ticks: u64,
}

impl ProcessId {
    /// The process with this pid now, if any.
    pub fn of(pid: i32) -> Option<Self> {
        start_ticks(pid).map(|start_ticks| Self { pid, start_ticks })
    }

    /// Whether this very process still runs (not a zombie, not a newer one with its pid).
    pub fn is_alive(&self) -> bool {
        start_ticks(self.pid) == Some(self.start_ticks)
    }

    /// Sends a signal to the process, if it is still this one.
    pub fn signal(&self, signal: Signal) {
        if self.is_alive() {
            // The process may exit between the check and the signal: ESRCH is fine.
            let _ = kill(Pid::from_raw(self.pid), signal);
        }
    }

    /// Sends a signal to process group `group`, if this process (a member) is still alive:
    /// a group id is not reused while a member lives.
    pub fn signal_group(&self, group: i32, signal: Signal) {
        if self.is_alive() && group > 0 {
            let _ = killpg(Pid::from_raw(group), signal);
        }
    }
}

/// Field 22 of `/proc/<pid>/stat`, or `None` for no such (or a zombie) process.
fn start_ticks(pid: i32) -> Option<u64> {
    if pid <= 0 {
        return None;
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    let state = fields.next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    // `after_name` starts at field 3 (state); field 22 is 19 further on.
    fields.nth(18)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_changed_start_time_is_not() {
        let me = ProcessId::of(std::process::id() as i32).unwrap();
        assert!(me.is_alive());
        assert!(!ProcessId { start_ticks: me.start_ticks + 1, ..me }.is_alive());
        assert!(ProcessId::of(-1).is_none());
        assert!(ProcessId::of(0).is_none());
    }
}
