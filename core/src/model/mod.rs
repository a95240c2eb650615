//! The domain model: the records BrightRun stores, one file a table.
//!
//! - [`Dataset`]: an uploaded training file, its validation findings and statistics.
//! - [`TrainingJob`]: one training run, with the job state machine of [`JobStatus`].
//! - [`MetricsPoint`]: the metrics of one job at one optimiser step.
//! - [`ModelArtifact`]: a trained LoRA adapter, its files, quality and cost.
//! - [`CostRecord`]: one charge, attributed to a [`BillingPeriod`].
//! - [`Notification`]: a message to a user.
//!
//! Records are plain serde data. Ids are typed ([`JobId`] is not a [`DatasetId`]), money is
//! exact ([`Money`]), time is UTC to the microsecond ([`Timestamp`]). Every enum serialises
//! as snake_case and has `ALL`, `as_str()`, `Display` and a `FromStr` that fails with a
//! [`ParseEnumError`] listing the allowed names.

mod enum_text;

mod artifact;
mod cost;
mod dataset;
mod ids;
mod job;
mod metrics;
mod money;
mod notification;
#[cfg(feature = "schema")]
mod schema;
mod time;

pub use artifact::{
    ArtifactConfiguration, ArtifactFile, ArtifactStatus, ConvergenceQuality, ModelArtifact, QualityMetrics,
    TrainingSummary,
};
pub use cost::{BillingPeriod, CostRecord, CostType};
pub use dataset::{Dataset, DatasetFormat, DatasetStatus, Severity, ValidationFinding};
pub use enum_text::ParseEnumError;
pub use ids::{ArtifactId, CostRecordId, DatasetId, JobId, NotificationId, UserId};
#[cfg(test)]
pub(crate) use job::smoke_job;
pub use job::{CurrentMetrics, JobStage, JobStatus, JobTransition, TrainingJob, TransitionError};
pub use metrics::MetricsPoint;
pub use money::{CENT_DECIMALS, CURRENCY, Money, MoneyParseError};
pub use notification::{Notification, NotificationPriority, NotificationType};
#[cfg(feature = "schema")]
pub use schema::{DateText, DecimalText, PathText};
pub use time::Timestamp;
