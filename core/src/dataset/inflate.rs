//! How far a gzip dataset may inflate.
//!
//! A gzip file of a few kilobytes can inflate to terabytes (a "gzip bomb"): the upload cap
//! counts compressed bytes, so the decompressed bytes are capped too, in absolute terms
//! ([`InflateLimits::max_bytes`]) and as a ratio to the compressed bytes read so far
//! ([`InflateLimits::max_ratio`], checked once the output passes
//! [`InflateLimits::RATIO_GRACE_BYTES`], so a tiny file of repeated lines is never refused).
//! Text datasets inflate 3 to 20 times; a bomb, about a thousand.

use std::io::{self, Read};

/// The decompressed size a gzip input may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InflateLimits {
    /// The most decompressed bytes (default 10 GB).
    pub max_bytes: u64,
    /// The most decompressed bytes per compressed byte (default 100).
    pub max_ratio: u64,
}

impl InflateLimits {
    /// Decompressed bytes allowed whatever the ratio.
    pub const RATIO_GRACE_BYTES: u64 = 1 << 20;

    /// Whether `decompressed` bytes from `compressed` bytes are within the limits; the
    /// reason when not.
    pub fn check(&self, decompressed: u64, compressed: u64) -> Result<(), InflatedTooFar> {
        let too_far = |limit: String| InflatedTooFar { decompressed, compressed, limit };
        if decompressed > self.max_bytes {
            return Err(too_far(format!("{} bytes", self.max_bytes)));
        }
        let by_ratio = compressed.saturating_mul(self.max_ratio).max(Self::RATIO_GRACE_BYTES);
        if decompressed > by_ratio {
            return Err(too_far(format!("{} times its compressed size", self.max_ratio)));
        }
        Ok(())
    }
}

impl Default for InflateLimits {
    fn default() -> Self {
        Self { max_bytes: 10_000_000_000, max_ratio: 100 }
    }
}

/// A gzip input that inflated past its limits (carried inside an `io::Error` from the
/// reader, then reported as [`DatasetError::Inflated`](super::DatasetError::Inflated)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the gzip input inflates past {limit}: {decompressed} bytes from {compressed} compressed bytes")]
pub struct InflatedTooFar {
    /// Decompressed bytes when it was stopped.
    pub decompressed: u64,
    /// Compressed bytes read by then.
    pub compressed: u64,
    /// The limit it passed, for a person.
    pub limit: String,
}

/// A decompressing reader held to [`InflateLimits`]; `compressed` says how many compressed
/// bytes its source has read.
pub(crate) struct Inflating<D> {
    decoder: D,
    compressed: fn(&D) -> u64,
    decompressed: u64,
    limits: InflateLimits,
}

impl<D: Read> Inflating<D> {
    pub fn new(decoder: D, compressed: fn(&D) -> u64, limits: InflateLimits) -> Self {
        Self { decoder, compressed, decompressed: 0, limits }
    }
}

impl<D: Read> Read for Inflating<D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.decoder.read(buf)?;
        self.decompressed += n as u64;
        self.limits.check(self.decompressed, (self.compressed)(&self.decoder)).map_err(io::Error::other)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_limits_hold_and_small_files_are_spared_the_ratio() {
        let limits = InflateLimits { max_bytes: 100 << 20, max_ratio: 10 };
        assert!(limits.check(1 << 20, 1).is_ok(), "within the grace, whatever the ratio");
        assert!(limits.check(10 << 20, 1 << 20).is_ok());
        let err = limits.check((10 << 20) + 1, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("10 times"), "{err}");
        let err = limits.check((100 << 20) + 1, 100 << 20).unwrap_err();
        assert!(err.to_string().contains(&format!("{} bytes", 100 << 20)), "{err}");
        assert!(InflateLimits::default().check(u64::MAX, u64::MAX).is_err(), "no overflow");
    }
}
