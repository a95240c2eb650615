//! Largest-Triangle-Three-Buckets downsampling (Steinarsson, 2013): picks `threshold` points
//! of a curve that keep its visual shape — the first and last points, peaks and dips — so a
//! chart of a 1,000,000-step job costs what one of a 1,000-step job does.

/// The indices (ascending) of at most `threshold` points of `points` (`(x, y)`, sorted by
/// `x`) chosen by LTTB.
///
/// Every index is returned when `threshold` is at least the number of points; with fewer
/// than 3 allowed, the first and then the last point are kept.
pub fn lttb(points: &[(f64, f64)], threshold: usize) -> Vec<usize> {
    let len = points.len();
    if threshold >= len {
        return (0..len).collect();
    }
    match threshold {
        0 => return Vec::new(),
        1 => return vec![0],
        2 => return vec![0, len - 1],
        _ => {}
    }

    let mut selected = Vec::with_capacity(threshold);
    selected.push(0);
    // The points between the first and the last are cut into `threshold - 2` buckets; one
    // point is chosen from each.
    let bucket_size = (len - 2) as f64 / (threshold - 2) as f64;
    let bucket_start = |bucket: usize| 1 + (bucket as f64 * bucket_size) as usize;
    let mut previous = 0;
    for bucket in 0..threshold - 2 {
        let (start, end) = (bucket_start(bucket), bucket_start(bucket + 1).min(len - 1));
        // The third vertex: the mean of the next bucket (the last point for the last bucket).
        let next = bucket_start(bucket + 1)..bucket_start(bucket + 2).min(len - 1);
        let (mean_x, mean_y) = if next.is_empty() { points[len - 1] } else { mean(&points[next]) };
        let (ax, ay) = points[previous];
        let mut best = (start, -1.0);
        for (index, &(x, y)) in points.iter().enumerate().take(end).skip(start) {
            // Twice the triangle's area; the factor does not change which one is largest.
            let area = ((ax - mean_x) * (y - ay) - (ax - x) * (mean_y - ay)).abs();
            if area > best.1 {
                best = (index, area);
            }
        }
        selected.push(best.0);
        previous = best.0;
    }
    selected.push(len - 1);
    selected
}

fn mean(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let (sx, sy) = points.iter().fold((0.0, 0.0), |(sx, sy), &(x, y)| (sx + x, sy + y));
    (sx / n, sy / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(n: usize, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
        (0..n).map(|i| (i as f64, f(i as f64))).collect()
    }

    #[test]
    fn short_curves_are_kept_whole() {
        let points = curve(5, |x| x);
        assert_eq!(lttb(&points, 5), [0, 1, 2, 3, 4]);
        assert_eq!(lttb(&points, 100), [0, 1, 2, 3, 4]);
        assert_eq!(lttb(&[], 10), Vec::<usize>::new());
    }

    #[test]
    fn tiny_thresholds_keep_the_ends() {
        let points = curve(10, |x| x);
        assert_eq!(lttb(&points, 0), Vec::<usize>::new());
        assert_eq!(lttb(&points, 1), [0]);
        assert_eq!(lttb(&points, 2), [0, 9]);
    }

    #[test]
    fn returns_exactly_threshold_ascending_indices_with_both_ends() {
        for (n, threshold) in [(1_000, 100), (1_001, 3), (10, 9), (12_345, 1_000)] {
            let points = curve(n, |x| (x / 50.0).sin() + x / 1_000.0);
            let selected = lttb(&points, threshold);
            assert_eq!(selected.len(), threshold, "n = {n}");
            assert_eq!((selected[0], selected[threshold - 1]), (0, n - 1));
            assert!(selected.windows(2).all(|pair| pair[0] < pair[1]), "ascending, no repeats");
        }
    }

    #[test]
    fn keeps_a_spike_that_uniform_sampling_would_miss() {
        let mut points = curve(10_000, |x| 2.0 - x / 10_000.0);
        points[4_321].1 = 50.0;
        points[7_777].1 = -30.0;
        let selected = lttb(&points, 50);
        assert!(selected.contains(&4_321), "the peak is kept");
        assert!(selected.contains(&7_777), "the dip is kept");
    }

    #[test]
    fn follows_a_decreasing_loss_curve() {
        let points = curve(100_000, |x| 3.0 * (-x / 20_000.0).exp() + 0.5);
        let selected = lttb(&points, 200);
        let ys: Vec<f64> = selected.iter().map(|&i| points[i].1).collect();
        assert!(ys.windows(2).all(|pair| pair[0] >= pair[1]), "a monotone curve stays monotone");
        assert!((ys[0] - 3.5).abs() < 1e-12);
    }
}
