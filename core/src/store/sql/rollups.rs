//! Rollups of metrics: per job, series and bucket of steps, the lowest and highest point.
//!
//! They are merged as points arrive (in the same transaction), so a chart of a curve of any
//! length reads at most a bounded number of buckets: the envelope a line chart draws, on
//! which LTTB then picks the points to show. Merging is idempotent: a re-read batch changes
//! nothing. Ties keep the earliest step for a minimum and the latest for a maximum, here and
//! in the SQL that merges into stored rows.

use std::collections::BTreeMap;

use crate::model::MetricsPoint;
use crate::store::MetricSeries;

/// The bucket widths kept, in steps: a read uses the narrowest that gives few enough buckets.
pub(crate) const WIDTHS: [i64; 3] = [64, 1_024, 16_384];

/// Buckets read per chart point, at most.
const BUCKETS_PER_POINT: i64 = 16;

/// The lowest and highest point of a bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Extremes {
    pub(crate) lo: f64,
    pub(crate) lo_step: i64,
    pub(crate) hi: f64,
    pub(crate) hi_step: i64,
}

impl Extremes {
    fn of(step: i64, value: f64) -> Self {
        Self { lo: value, lo_step: step, hi: value, hi_step: step }
    }

    fn merge(&mut self, other: Extremes) {
        if other.lo < self.lo || (other.lo == self.lo && other.lo_step < self.lo_step) {
            (self.lo, self.lo_step) = (other.lo, other.lo_step);
        }
        if other.hi > self.hi || (other.hi == self.hi && other.hi_step > self.hi_step) {
            (self.hi, self.hi_step) = (other.hi, other.hi_step);
        }
    }
}

/// The rollups of a batch of points, by series, width and bucket (`step / width`). Values
/// that are not finite are left out: no chart can draw them.
pub(crate) fn rollups(points: &[MetricsPoint]) -> BTreeMap<(MetricSeries, i64, i64), Extremes> {
    let mut rollups = BTreeMap::new();
    for point in points {
        let Ok(step) = i64::try_from(point.step) else { continue };
        for series in MetricSeries::ALL {
            let Some(value) = series.value(&point.metrics).filter(|value| value.is_finite()) else { continue };
            for width in WIDTHS {
                let extremes = Extremes::of(step, value);
                rollups
                    .entry((series, width, step / width))
                    .and_modify(|e: &mut Extremes| e.merge(extremes))
                    .or_insert(extremes);
            }
        }
    }
    rollups
}

/// The narrowest width whose buckets over `first..=last` number at most 16 per chart point;
/// the widest when none does.
pub(crate) fn width_for(first: i64, last: i64, max_points: usize) -> i64 {
    let allowed = (max_points as i64).saturating_mul(BUCKETS_PER_POINT);
    WIDTHS.into_iter().find(|width| last / width - first / width < allowed).unwrap_or(WIDTHS[WIDTHS.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CurrentMetrics, JobId, Timestamp};

    fn point(step: u64, loss: f64) -> MetricsPoint {
        MetricsPoint {
            job_id: JobId::new(),
            step,
            epoch: 0.0,
            metrics: CurrentMetrics { training_loss: Some(loss), ..CurrentMetrics::default() },
            recorded_at: Timestamp::now(),
        }
    }

    #[test]
    fn each_bucket_keeps_its_lowest_and_highest_point() {
        let points: Vec<_> = (0..200).map(|step| point(step, (step % 70) as f64)).collect();
        let rollups = rollups(&points);
        let first = rollups[&(MetricSeries::TrainingLoss, 64, 0)];
        assert_eq!(first, Extremes { lo: 0.0, lo_step: 0, hi: 63.0, hi_step: 63 });
        let second = rollups[&(MetricSeries::TrainingLoss, 64, 1)];
        assert_eq!(second, Extremes { lo: 0.0, lo_step: 70, hi: 69.0, hi_step: 69 });
        assert_eq!(
            rollups[&(MetricSeries::TrainingLoss, 1_024, 0)],
            Extremes { lo: 0.0, lo_step: 0, hi: 69.0, hi_step: 139 }
        );
        assert!(!rollups.contains_key(&(MetricSeries::ValidationLoss, 64, 0)), "series without values have none");
    }

    #[test]
    fn merging_is_idempotent_and_order_free() {
        let a: Vec<_> = (0..100).map(|step| point(step, (step as f64).sin())).collect();
        let whole = rollups(&a);
        let mut merged = rollups(&a[50..]);
        for (key, extremes) in rollups(&a[..60]) {
            merged.entry(key).and_modify(|e| e.merge(extremes)).or_insert(extremes);
        }
        assert_eq!(merged, whole);
    }

    #[test]
    fn non_finite_values_are_left_out() {
        let rollups = rollups(&[point(1, f64::NAN), point(2, f64::INFINITY), point(3, 1.0)]);
        assert_eq!(
            rollups[&(MetricSeries::TrainingLoss, 64, 0)],
            Extremes { lo: 1.0, lo_step: 3, hi: 1.0, hi_step: 3 }
        );
    }

    #[test]
    fn the_narrowest_width_with_few_enough_buckets_is_read() {
        assert_eq!(width_for(0, 999_999, 1_000), 64);
        assert_eq!(width_for(0, 9_999_999, 1_000), 1_024);
        assert_eq!(width_for(0, 2_000_000_000, 1_000), 16_384);
        assert_eq!(width_for(5_000, 6_000, 10), 64);
    }
}
