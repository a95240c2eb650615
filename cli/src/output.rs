//! Printing results: aligned text tables for people, one JSON object for programs.

use std::io::Write as _;

use brightrun_core::model::{Money, Timestamp};
use serde::Serialize;

use crate::error::CliError;

/// Prints `value` as one line of JSON. A reader that went away (`| head`) is not an error.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string(value).map_err(|e| CliError::usage("serialization_failed", e.to_string()))?;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::usage("output_failed", e.to_string())),
        _ => Ok(()),
    }
}

/// Renders rows under a header with every column left-aligned to its widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells.zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = line(&mut header.iter().copied());
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
        out.push('\n');
    }
    out
}

/// Money for people: dollars rounded to cents (`$0.42`); the JSON keeps the exact value.
pub fn money(amount: Money) -> String {
    format!("${:.2}", amount.round_to_cents().amount())
}

/// A time in UTC to the second, or `-`.
pub fn when(time: Option<Timestamp>) -> String {
    time.map_or_else(|| "-".to_owned(), |t| t.as_datetime().format("%Y-%m-%d %H:%M:%S").to_string())
}

/// A float with `decimals` places, or `-`.
pub fn number(value: Option<f64>, decimals: usize) -> String {
    value.filter(|v| v.is_finite()).map_or_else(|| "-".to_owned(), |v| format!("{v:.decimals$}"))
}

/// A size in bytes, KiB, MiB or GiB.
pub fn bytes(size: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut value = size as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{size} bytes") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// A duration as `1h 02m`, `3m 05s` or `12s`.
pub fn duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s:02}s"),
        _ => format!("{h}h {m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_formats() {
        assert_eq!(money("1.005".parse().unwrap()), "$1.01");
        assert_eq!(money("12".parse().unwrap()), "$12.00");
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
        assert_eq!(duration(65.2), "1m 05s");
        assert_eq!(duration(3725.0), "1h 02m");
        assert_eq!(number(None, 3), "-");
        assert_eq!(number(Some(1.23456), 3), "1.235");
    }

    #[test]
    fn columns_align_to_the_widest_cell() {
        let text = table(&["a", "bb"], &[vec!["long".into(), "x".into()], vec!["s".into(), "yy".into()]]);
        assert_eq!(text, "a     bb\nlong  x\ns     yy\n");
    }
}
