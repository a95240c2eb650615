//! The quality of a finished run, read off its loss curves.
//!
//! - final and best validation loss, and the epoch of the best;
//! - perplexity = exp(final validation loss);
//! - convergence quality, from how far the training loss fell (mean of the last tenth of
//!   the points over the mean of the first tenth): at most 0.5 is `excellent`, 0.75
//!   `good`, 0.95 `fair`, otherwise `poor` (a curve that rose or holds non-finite values is
//!   `poor`). A final validation loss more than 10% above its best (overfitting) lowers the
//!   grade by one.

use crate::model::{ConvergenceQuality, MetricsPoint, QualityMetrics};

/// Ratio of late to early training loss at or under which a run is `excellent`.
pub const EXCELLENT_RATIO: f64 = 0.5;
/// ... `good`.
pub const GOOD_RATIO: f64 = 0.75;
/// ... `fair`.
pub const FAIR_RATIO: f64 = 0.95;
/// Final validation loss above best x this counts as overfitting.
pub const OVERFIT_TOLERANCE: f64 = 1.10;

/// Quality metrics of a run from its metrics points in step order.
pub fn quality_metrics(points: &[MetricsPoint]) -> QualityMetrics {
    let training: Vec<f64> = points.iter().filter_map(|p| p.metrics.training_loss).collect();
    let validation: Vec<(f64, f64)> =
        points.iter().filter_map(|p| p.metrics.validation_loss.map(|loss| (p.epoch, loss))).collect();
    let best = validation.iter().copied().filter(|(_, loss)| loss.is_finite()).min_by(|a, b| a.1.total_cmp(&b.1));
    let final_validation_loss = validation.last().map(|(_, loss)| *loss);
    let mut grade = grade_curve(&training);
    if let (Some(grade_now), Some(last), Some((_, best_loss))) = (grade, final_validation_loss, best)
        && last > best_loss * OVERFIT_TOLERANCE
    {
        grade = Some(lower(grade_now));
    }
    QualityMetrics {
        final_training_loss: training.last().copied(),
        final_validation_loss,
        best_validation_loss: best.map(|(_, loss)| loss),
        perplexity: final_validation_loss.map(f64::exp).filter(|p| p.is_finite()),
        best_epoch: best.map(|(epoch, _)| epoch.round().max(0.0) as u32),
        convergence_quality: grade,
    }
}

fn grade_curve(losses: &[f64]) -> Option<ConvergenceQuality> {
    if losses.len() < 2 {
        return None;
    }
    if losses.iter().any(|l| !l.is_finite()) {
        return Some(ConvergenceQuality::Poor);
    }
    let window = (losses.len() / 10).max(1);
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
    let early = mean(&losses[..window]);
    let late = mean(&losses[losses.len() - window..]);
    if early <= 0.0 {
        return Some(ConvergenceQuality::Poor);
    }
    let ratio = late / early;
    Some(if ratio <= EXCELLENT_RATIO {
        ConvergenceQuality::Excellent
    } else if ratio <= GOOD_RATIO {
        ConvergenceQuality::Good
    } else if ratio <= FAIR_RATIO {
        ConvergenceQuality::Fair
    } else {
        ConvergenceQuality::Poor
    })
}

fn lower(grade: ConvergenceQuality) -> ConvergenceQuality {
    match grade {
        ConvergenceQuality::Excellent => ConvergenceQuality::Good,
        ConvergenceQuality::Good => ConvergenceQuality::Fair,
        ConvergenceQuality::Fair | ConvergenceQuality::Poor => ConvergenceQuality::Poor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CurrentMetrics, JobId, Timestamp};

    fn point(step: u64, epoch: f64, training: Option<f64>, validation: Option<f64>) -> MetricsPoint {
        MetricsPoint {
            job_id: JobId::from_uuid(uuid::Uuid::nil()),
            step,
            epoch,
            metrics: CurrentMetrics { training_loss: training, validation_loss: validation, ..Default::default() },
            recorded_at: Timestamp::now(),
        }
    }

    fn curve(losses: &[f64]) -> Vec<MetricsPoint> {
        losses.iter().enumerate().map(|(i, l)| point(i as u64 + 1, 0.0, Some(*l), None)).collect()
    }

    #[test]
    fn grades_follow_how_far_the_loss_fell() {
        let grade = |losses: &[f64]| quality_metrics(&curve(losses)).convergence_quality;
        assert_eq!(grade(&[4.0, 3.0, 2.0, 1.5]), Some(ConvergenceQuality::Excellent));
        assert_eq!(grade(&[4.0, 3.5, 3.0, 2.9]), Some(ConvergenceQuality::Good));
        assert_eq!(grade(&[4.0, 3.9, 3.7, 3.6]), Some(ConvergenceQuality::Fair));
        assert_eq!(grade(&[4.0, 4.1, 4.2, 4.5]), Some(ConvergenceQuality::Poor));
        assert_eq!(grade(&[4.0, f64::NAN]), Some(ConvergenceQuality::Poor));
        assert_eq!(grade(&[4.0]), None);
    }

    #[test]
    fn validation_gives_best_epoch_perplexity_and_catches_overfitting() {
        let mut points = curve(&[4.0, 3.0, 2.0, 1.0]);
        points.push(point(5, 1.0, None, Some(2.0)));
        points.push(point(6, 2.0, None, Some(1.5)));
        points.push(point(7, 3.0, None, Some(1.8)));
        let q = quality_metrics(&points);
        assert_eq!(q.best_validation_loss, Some(1.5));
        assert_eq!(q.best_epoch, Some(2));
        assert_eq!(q.final_validation_loss, Some(1.8));
        assert!((q.perplexity.unwrap() - 1.8f64.exp()).abs() < 1e-12);
        // 1.8 > 1.5 x 1.1: excellent becomes good.
        assert_eq!(q.convergence_quality, Some(ConvergenceQuality::Good));
        assert_eq!(q.final_training_loss, Some(1.0));
    }
}
