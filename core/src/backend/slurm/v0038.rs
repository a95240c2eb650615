//! The shapes of slurmrestd's `openapi/v0.0.38` plugin (Slurm 22.05, Debian 12), observed:
//! the only file that knows them. A newer plugin (v0.0.39 and later change `environment` to a
//! list of `K=V` and `job_state` to a list) gets a file of its own beside this one, chosen by
//! [`ApiVersion`](super::client::ApiVersion).
//!
//! - `POST job/submit` `{"script", "job": {...}}` answers `{"job_id", "errors": [...]}`.
//! - `GET job/{id}` and `GET jobs` answer `{"jobs": [...], "errors": [...]}`; an unknown id is
//!   HTTP 500 with error 2017.
//! - `exit_code` is the raw wait status of the batch script: `code << 8`, or the signal
//!   number that killed it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::{BatchJob, ExitStatus, JobInfo, SlurmErrorEntry};

/// The path prefix of this plugin's endpoints.
pub const PREFIX: &str = "slurm/v0.0.38/";

/// The body of `POST job/submit`.
#[derive(Debug, Serialize)]
pub struct SubmitBody<'a> {
    script: &'a str,
    job: JobProperties<'a>,
}

#[derive(Debug, Serialize)]
struct JobProperties<'a> {
    name: &'a str,
    comment: &'a str,
    current_working_directory: &'a str,
    standard_output: &'a str,
    standard_error: &'a str,
    environment: &'a BTreeMap<String, String>,
    cpus_per_task: u32,
    /// MiB.
    memory_per_node: u64,
    /// Minutes.
    time_limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    gres: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partition: Option<&'a str>,
    /// Never requeued by Slurm: a retry is the orchestrator's, as a new attempt.
    requeue: bool,
}

/// The submit body of `job`.
pub fn submit_body(job: &BatchJob) -> SubmitBody<'_> {
    SubmitBody {
        script: &job.script,
        job: JobProperties {
            name: &job.name,
            comment: &job.comment,
            current_working_directory: &job.working_dir,
            standard_output: &job.stdout,
            standard_error: &job.stderr,
            environment: &job.environment,
            cpus_per_task: job.cpus_per_task,
            memory_per_node: job.memory_mb,
            time_limit: job.time_limit_minutes,
            gres: (job.gpus > 0).then(|| format!("gpu:{}", job.gpus)),
            partition: job.partition.as_deref(),
            requeue: false,
        },
    }
}

/// Any answer: its errors, and what else the endpoint returns.
#[derive(Debug, Deserialize)]
pub struct Answer {
    #[serde(default)]
    errors: Vec<SlurmErrorEntry>,
    #[serde(default)]
    job_id: Option<u64>,
    #[serde(default)]
    jobs: Vec<Job>,
}

#[derive(Debug, Deserialize)]
struct Job {
    job_id: u64,
    #[serde(default)]
    name: String,
    job_state: String,
    #[serde(default)]
    state_reason: String,
    #[serde(default)]
    exit_code: Option<i64>,
    #[serde(default)]
    start_time: Option<i64>,
    #[serde(default)]
    end_time: Option<i64>,
}

impl Answer {
    /// The errors Slurm reported.
    pub fn errors(&self) -> &[SlurmErrorEntry] {
        &self.errors
    }

    /// The id of a submitted job.
    pub fn job_id(&self) -> Option<u64> {
        self.job_id
    }

    /// The jobs of a job or jobs answer.
    pub fn jobs(&self) -> Vec<JobInfo> {
        self.jobs.iter().map(job_info).collect()
    }
}

fn job_info(job: &Job) -> JobInfo {
    // Times are epoch seconds, 0 when not yet.
    let time = |t: Option<i64>| t.filter(|t| *t > 0);
    JobInfo {
        job_id: job.job_id,
        name: job.name.clone(),
        state: job.job_state.clone(),
        state_reason: job.state_reason.clone(),
        exit: job.exit_code.map(exit_status),
        start_time: time(job.start_time),
        end_time: time(job.end_time),
    }
}

/// A raw wait status: a signal number in the low 7 bits, else the exit code in the next 8.
fn exit_status(raw: i64) -> ExitStatus {
    match raw & 0x7f {
        0 => ExitStatus::Code(((raw >> 8) & 0xff) as i32),
        signal => ExitStatus::Signal(signal as i32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(gpus: u32) -> BatchJob {
        BatchJob {
            name: "brightrun-j-0".into(),
            comment: "brightrun job j attempt 0".into(),
            script: "#!/bin/sh\nexec worker\n".into(),
            working_dir: "/srv/runs/j-0".into(),
            stdout: "/srv/runs/j-0/stdout.log".into(),
            stderr: "/srv/runs/j-0/stderr.log".into(),
            environment: BTreeMap::from([("PATH".into(), "/usr/bin:/bin".into())]),
            cpus_per_task: 1,
            memory_mb: 4096,
            time_limit_minutes: 90,
            gpus,
            partition: None,
        }
    }

    #[test]
    fn the_submit_body_always_limits_memory_and_time_and_asks_gpus_as_gres() {
        let body = serde_json::to_value(submit_body(&job(2))).unwrap();
        assert_eq!(body["script"], "#!/bin/sh\nexec worker\n");
        let properties = &body["job"];
        assert_eq!(properties["memory_per_node"], 4096);
        assert_eq!(properties["time_limit"], 90);
        assert_eq!(properties["gres"], "gpu:2");
        assert_eq!(properties["environment"]["PATH"], "/usr/bin:/bin");
        assert_eq!(properties["standard_output"], "/srv/runs/j-0/stdout.log");
        assert_eq!(properties["requeue"], false);
        assert!(properties.get("partition").is_none());
        let cpu = serde_json::to_value(submit_body(&job(0))).unwrap();
        assert!(cpu["job"].get("gres").is_none(), "no GPU asked on the CPU");
    }

    #[test]
    fn answers_are_read_as_observed() {
        let text = r#"{"meta": {}, "errors": [], "jobs": [{"job_id": 4, "name": "brightrun-j-0",
            "job_state": "FAILED", "state_reason": "NonZeroExitCode", "exit_code": 768,
            "start_time": 1796563281, "end_time": 1796563290, "comment": ""}]}"#;
        let answer: Answer = serde_json::from_str(text).unwrap();
        let jobs = answer.jobs();
        assert_eq!(jobs[0].exit, Some(ExitStatus::Code(3)));
        assert_eq!((jobs[0].start_time, jobs[0].end_time), (Some(1_796_563_281), Some(1_796_563_290)));
        assert_eq!(exit_status(9), ExitStatus::Signal(9));
        assert_eq!(exit_status(36_608), ExitStatus::Code(143));
        let pending: Answer = serde_json::from_str(
            r#"{"jobs": [{"job_id": 5, "job_state": "PENDING", "start_time": 0, "end_time": 0}]}"#,
        )
        .unwrap();
        assert_eq!(pending.jobs()[0].start_time, None);
        let missing: Answer = serde_json::from_str(
            r#"{"errors": [{"description": "Unable to find JobId=99999", "error_number": 2017,
            "error": "Invalid job id specified", "source": "slurm_load_job"}], "jobs": []}"#,
        )
        .unwrap();
        assert_eq!(missing.errors()[0].error_number, 2017);
        let submitted: Answer = serde_json::from_str(r#"{"errors": [], "job_id": 4, "step_id": "BATCH"}"#).unwrap();
        assert_eq!(submitted.job_id(), Some(4));
    }
}
