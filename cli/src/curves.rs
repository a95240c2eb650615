//! A job's loss curves: read once, summarised for `job` and `train`, drawn as a sparkline
//! and a chart.

use brightrun_core::model::JobId;
use brightrun_core::service::BrightRun;
use brightrun_core::store::MetricSeries;
use serde::Serialize;

use crate::error::CliError;
use crate::local::LOCAL_USER;
use crate::output::number;
use crate::sparkline::sparkline;

/// Points read per curve (the store downsamples longer runs to this many, keeping the
/// first and last points).
const POINTS: usize = 2_000;
/// Width of the terminal sparkline.
const SPARKLINE_WIDTH: usize = 48;

/// The training and validation loss of a job, by step (as JSON: `[[step, loss], ...]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Curves {
    /// Training loss points.
    pub training: Vec<(u64, f64)>,
    /// Validation loss points.
    pub validation: Vec<(u64, f64)>,
}

/// What the curves say, for people and for `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LossSummary {
    /// The last step with a training loss.
    pub steps: u64,
    /// Training loss at the first point.
    pub first_loss: Option<f64>,
    /// Training loss at the last point.
    pub last_loss: Option<f64>,
    /// The lowest training loss.
    pub best_loss: Option<f64>,
    /// The latest validation loss.
    pub validation_loss: Option<f64>,
    /// The lowest validation loss.
    pub best_validation_loss: Option<f64>,
}

impl Curves {
    /// Reads both curves of a job of the local user.
    pub async fn read(app: &BrightRun, job: JobId) -> Result<Self, CliError> {
        let series = |series| app.job_metrics(LOCAL_USER, job, series, POINTS);
        let pick = |points: Vec<brightrun_core::model::MetricsPoint>, validation: bool| -> Vec<(u64, f64)> {
            let value = |p: &brightrun_core::model::MetricsPoint| {
                if validation { p.metrics.validation_loss } else { p.metrics.training_loss }
            };
            points.iter().filter_map(|p| value(p).filter(|v| v.is_finite()).map(|v| (p.step, v))).collect()
        };
        Ok(Self {
            training: pick(series(MetricSeries::TrainingLoss).await?, false),
            validation: pick(series(MetricSeries::ValidationLoss).await?, true),
        })
    }

    /// First, last and best values.
    pub fn summary(&self) -> LossSummary {
        let best = |curve: &[(u64, f64)]| curve.iter().map(|(_, v)| *v).reduce(f64::min);
        LossSummary {
            steps: self.training.last().map_or(0, |(step, _)| *step),
            first_loss: self.training.first().map(|(_, v)| *v),
            last_loss: self.training.last().map(|(_, v)| *v),
            best_loss: best(&self.training),
            validation_loss: self.validation.last().map(|(_, v)| *v),
            best_validation_loss: best(&self.validation),
        }
    }

    /// Two lines for people: the training loss as a sparkline with its ends, and the
    /// validation loss; empty when there is no point yet.
    pub fn describe(&self) -> String {
        if self.training.is_empty() {
            return "Loss       no metrics recorded\n".to_owned();
        }
        let s = self.summary();
        let values: Vec<f64> = self.training.iter().map(|(_, v)| *v).collect();
        let mut out = format!(
            "Loss       {} {} {} ({} steps, best {})\n",
            number(s.first_loss, 3),
            sparkline(&values, SPARKLINE_WIDTH),
            number(s.last_loss, 3),
            s.steps,
            number(s.best_loss, 3),
        );
        if s.validation_loss.is_some() {
            out.push_str(&format!(
                "Validation loss {} (best {})\n",
                number(s.validation_loss, 3),
                number(s.best_validation_loss, 3)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_takes_ends_and_minimum() {
        let curves = Curves { training: vec![(1, 3.0), (2, 1.0), (3, 1.5)], validation: vec![(3, 1.2)] };
        let s = curves.summary();
        assert_eq!((s.steps, s.first_loss, s.last_loss, s.best_loss), (3, Some(3.0), Some(1.5), Some(1.0)));
        assert_eq!((s.validation_loss, s.best_validation_loss), (Some(1.2), Some(1.2)));
        assert!(curves.describe().starts_with("Loss       3.000 █▁▃ 1.500 (3 steps, best 1.000)\n"));
    }
}
