//! The loss chart of a run, as an SVG file.

use std::path::Path;

use plotters::prelude::*;

use crate::error::CliError;

/// A curve: (step, value) points in step order.
pub type Curve = [(u64, f64)];

const SIZE: (u32, u32) = (800, 480);
const VALIDATION: RGBColor = RGBColor(220, 110, 30);

/// Draws the training loss (a line) and the validation loss (a line with dots) against
/// the step into an SVG file at `path`.
pub fn write_loss_chart(path: &Path, title: &str, training: &Curve, validation: &Curve) -> Result<(), CliError> {
    let failed = |e: &dyn std::fmt::Display| CliError::usage("chart_failed", format!("{}: {e}", path.display()));
    let points = || training.iter().chain(validation).filter(|(_, v)| v.is_finite());
    let max_step = points().map(|(s, _)| *s).max().unwrap_or(1).max(1);
    let (low, high) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), (_, v)| (l.min(*v), h.max(*v)));
    if !low.is_finite() {
        return Err(CliError::usage("chart_failed", "no finite loss value to draw"));
    }
    let pad = ((high - low) * 0.05).max(1e-3);
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0u64..max_step, (low - pad).max(0.0)..high + pad)
        .map_err(|e| failed(&e))?;
    chart.configure_mesh().x_desc("step").y_desc("loss").draw().map_err(|e| failed(&e))?;
    let finite = |curve: &Curve| curve.iter().copied().filter(|(_, v)| v.is_finite()).collect::<Vec<_>>();
    chart
        .draw_series(LineSeries::new(finite(training), BLUE.stroke_width(2)))
        .map_err(|e| failed(&e))?
        .label("training loss")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLUE.stroke_width(2)));
    if !validation.is_empty() {
        chart
            .draw_series(LineSeries::new(finite(validation), VALIDATION.stroke_width(2)).point_size(3))
            .map_err(|e| failed(&e))?
            .label("validation loss")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], VALIDATION.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_an_svg_with_both_curves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss.svg");
        write_loss_chart(&path, "smoke", &[(1, 3.0), (2, 1.5), (3, 1.0)], &[(3, 1.2)]).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("training loss") && svg.contains("validation loss"));
    }

    #[test]
    fn an_empty_curve_is_an_error_not_a_blank_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write_loss_chart(&dir.path().join("x.svg"), "t", &[], &[]).is_err());
    }
}
