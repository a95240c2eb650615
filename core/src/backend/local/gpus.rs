//! How many GPUs the local machine gives one job, and which of its slots can run a job.
//!
//! A slot is a set of devices (`0`, `0,1`) or `all`, the machine's GPUs: those listed in
//! `CUDA_VISIBLE_DEVICES` when it is set, else those the NVIDIA driver lists in
//! `/proc/driver/nvidia/gpus`. A job asking N GPUs runs only in a slot of at least N
//! devices; the reference trainer then runs N data-parallel processes on them. A machine
//! without a GPU still counts one: a one-GPU job trains on its CPU, as it always has.

use std::path::Path;

/// Where the NVIDIA driver lists one directory per GPU.
const NVIDIA_GPUS_DIR: &str = "/proc/driver/nvidia/gpus";

/// GPUs of this machine the backend may use: at least 1 (see the module).
pub fn machine_gpus() -> u32 {
    let counted = match std::env::var("CUDA_VISIBLE_DEVICES") {
        Ok(devices) => device_count(&devices),
        Err(_) => std::fs::read_dir(Path::new(NVIDIA_GPUS_DIR)).map_or(0, |entries| entries.count() as u32),
    };
    counted.max(1)
}

/// Devices in a device list (`0,1` has 2).
fn device_count(devices: &str) -> u32 {
    devices.split(',').filter(|device| !device.trim().is_empty()).count() as u32
}

/// GPUs of one slot on a machine of `machine` GPUs.
pub fn slot_gpus(slot: &str, machine: u32) -> u32 {
    if slot == "all" { machine } else { device_count(slot) }
}

/// The most GPUs any slot gives one job.
pub fn most_per_job(slots: &[String], machine: u32) -> u32 {
    slots.iter().map(|slot| slot_gpus(slot, machine)).max().unwrap_or(0)
}

/// The slots that can run a job of `gpus` GPUs (0 for the CPU: any slot).
pub fn slots_for(slots: &[String], gpus: u32, machine: u32) -> Vec<String> {
    slots.iter().filter(|slot| slot_gpus(slot, machine) >= gpus).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn a_slot_gives_its_devices_and_all_gives_the_machines() {
        assert_eq!((slot_gpus("0", 4), slot_gpus("0,1", 4), slot_gpus("2,3,5", 4), slot_gpus("all", 4)), (1, 2, 3, 4));
        assert_eq!(most_per_job(&slots(&["0", "1", "2,3"]), 8), 2);
        assert_eq!(most_per_job(&slots(&["all"]), 1), 1);
    }

    #[test]
    fn a_job_runs_only_in_a_slot_with_its_gpus() {
        let machine = slots(&["0", "1", "2,3"]);
        assert_eq!(slots_for(&machine, 2, 4), ["2,3"]);
        assert_eq!(slots_for(&machine, 1, 4), machine, "one GPU: any slot");
        assert_eq!(slots_for(&machine, 0, 4), machine, "the CPU: any slot");
        assert!(slots_for(&machine, 3, 4).is_empty());
    }
}
