//! A curve as one line of block characters, for a terminal.

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// `values` as at most `width` bars (averaged into buckets when there are more values),
/// the lowest value `▁` and the highest `█`. Non-finite values are skipped.
pub fn sparkline(values: &[f64], width: usize) -> String {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() || width == 0 {
        return String::new();
    }
    let buckets = finite.len().min(width);
    let averaged: Vec<f64> = (0..buckets)
        .map(|b| {
            let (start, end) = (b * finite.len() / buckets, (b + 1) * finite.len() / buckets);
            let slice = &finite[start..end.max(start + 1)];
            slice.iter().sum::<f64>() / slice.len() as f64
        })
        .collect();
    let low = averaged.iter().copied().fold(f64::INFINITY, f64::min);
    let high = averaged.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = high - low;
    averaged
        .iter()
        .map(|v| {
            let level = if span > 0.0 { ((v - low) / span * (BARS.len() - 1) as f64).round() as usize } else { 3 };
            BARS[level.min(BARS.len() - 1)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_falling_curve_falls() {
        assert_eq!(sparkline(&[4.0, 3.0, 2.0, 1.0], 10), "█▆▃▁");
        assert_eq!(sparkline(&[2.0, 2.0], 10), "▄▄");
        assert_eq!(sparkline(&[], 10), "");
    }

    #[test]
    fn long_curves_are_averaged_into_the_width() {
        let values: Vec<f64> = (0..1000).map(|i| 1000.0 - f64::from(i)).collect();
        let line = sparkline(&values, 40);
        assert_eq!(line.chars().count(), 40);
        assert!(line.starts_with('█') && line.ends_with('▁'));
    }
}
