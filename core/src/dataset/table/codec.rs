//! Snappy and zstd pages of a Parquet file decompressed into pooled buffers.
//!
//! They are pyarrow's and pandas' default codec and the usual smaller one. Pages of the other
//! codecs (gzip, LZ4, Brotli) are decompressed by Arrow's reader, from pooled reads.

use std::io::Read;

use bytes::Bytes;
use parquet::basic::Compression;
use parquet::column::page::Page;
use parquet::errors::{ParquetError, Result};

use super::buffers::BufferPool;

/// A codec whose pages are decompressed here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Codec {
    Snappy,
    Zstd,
}

impl Codec {
    /// The codec of pages compressed with `compression`, if they are decompressed here.
    pub fn of(compression: Compression) -> Option<Self> {
        match compression {
            Compression::SNAPPY => Some(Codec::Snappy),
            Compression::ZSTD(_) => Some(Codec::Zstd),
            _ => None,
        }
    }

    /// The codec's name, for errors.
    fn name(self) -> &'static str {
        match self {
            Codec::Snappy => "Snappy",
            Codec::Zstd => "zstd",
        }
    }
}

/// The state of the decompressors of one thread (a zstd context is made once, when needed).
pub(crate) struct Decoders {
    snappy: snap::raw::Decoder,
    zstd: Option<zstd::bulk::Decompressor<'static>>,
}

impl Decoders {
    /// Decoders that have decompressed nothing yet.
    pub fn new() -> Self {
        Self { snappy: snap::raw::Decoder::new(), zstd: None }
    }

    /// `page` (as stored) with its values decompressed by `codec` into a buffer of `pool`.
    /// A page that would decompress to more than `most` bytes (its column chunk's size) is
    /// damaged: its stated size is never allocated.
    pub fn decompress(&mut self, codec: Codec, mut page: Page, most: usize, pool: &BufferPool) -> Result<Page> {
        match &mut page {
            Page::DataPage { buf, .. } | Page::DictionaryPage { buf, .. } => {
                *buf = self.values(codec, buf, 0, most, pool)?;
            }
            // The levels are stored uncompressed; the values only when the page says so.
            Page::DataPageV2 { buf, def_levels_byte_len, rep_levels_byte_len, is_compressed, .. } => {
                if *is_compressed {
                    let levels = *def_levels_byte_len as usize + *rep_levels_byte_len as usize;
                    *buf = self.values(codec, buf, levels, most, pool)?;
                    *is_compressed = false;
                }
            }
        }
        Ok(page)
    }

    /// `stored` with its bytes after the first `kept` decompressed (at most `most` bytes), in
    /// a pooled buffer.
    fn values(&mut self, codec: Codec, stored: &Bytes, kept: usize, most: usize, pool: &BufferPool) -> Result<Bytes> {
        let (head, compressed) = stored
            .split_at_checked(kept)
            .ok_or_else(|| ParquetError::General("a data page's levels are longer than the page".into()))?;
        if compressed.is_empty() {
            return Ok(stored.clone());
        }
        let name = codec.name();
        let damaged =
            |e: &dyn std::fmt::Display| ParquetError::General(format!("a {name} page could not be decompressed: {e}"));
        let length = match codec {
            Codec::Snappy => snap::raw::decompress_len(compressed).map_err(|e| damaged(&e))?,
            Codec::Zstd => match zstd_content_size(compressed, most).map_err(|e| damaged(&e))? {
                Some(length) => length,
                // A frame written as a stream does not say its size: decoded as one, no
                // further than `most`.
                None => {
                    let mut out = pool.take(kept);
                    out.copy_from_slice(head);
                    let decoder = zstd::stream::read::Decoder::with_buffer(compressed).map_err(|e| damaged(&e))?;
                    decoder.take(most as u64 + 1).read_to_end(&mut out).map_err(|e| damaged(&e))?;
                    if out.len() - kept > most {
                        return Err(damaged(&format!("it is over {most} bytes, its column chunk's size")));
                    }
                    return Ok(pool.share(out));
                }
            },
        };
        if length > most {
            return Err(damaged(&format!("it says {length} bytes, over {most}, its column chunk's size")));
        }
        let mut out = pool.take(kept + length);
        out[..kept].copy_from_slice(head);
        let written = match codec {
            Codec::Snappy => self.snappy.decompress(compressed, &mut out[kept..]).map_err(|e| damaged(&e))?,
            Codec::Zstd => {
                let zstd = match &mut self.zstd {
                    Some(zstd) => zstd,
                    none => none.insert(zstd::bulk::Decompressor::new().map_err(|e| damaged(&e))?),
                };
                zstd.decompress_to_buffer(compressed, &mut out[kept..]).map_err(|e| damaged(&e))?
            }
        };
        if written != length {
            return Err(damaged(&format!("{written} bytes where its header says {length}")));
        }
        Ok(pool.share(out))
    }
}

/// What the zstd frames of `compressed` decompress to, as their headers say: `None` when a
/// frame does not say (written as a stream). A page may hold several frames; their sizes
/// are added, and a total over `most` is refused at once, never allocated.
fn zstd_content_size(mut compressed: &[u8], most: usize) -> std::result::Result<Option<usize>, String> {
    let mut total = 0_usize;
    while !compressed.is_empty() {
        let frame = match zstd::zstd_safe::get_frame_content_size(compressed) {
            Ok(Some(length)) => usize::try_from(length).map_err(|e| e.to_string())?,
            Ok(None) => return Ok(None),
            Err(_) => return Err("a frame's header is damaged".to_owned()),
        };
        total = total
            .checked_add(frame)
            .filter(|&total| total <= most)
            .ok_or_else(|| format!("its frames say more than {most} bytes, its column chunk's size"))?;
        let stored = zstd::zstd_safe::find_frame_compressed_size(compressed)
            .map_err(|code| format!("a frame is damaged: {}", zstd::zstd_safe::get_error_name(code)))?;
        if stored == 0 || stored > compressed.len() {
            return Err("a frame's stated length is not the page's".to_owned());
        }
        compressed = &compressed[stored..];
    }
    Ok(Some(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A size no page of these tests reaches.
    const MOST: usize = 1 << 20;

    /// `text` after `LEVELS`, compressed by `compress`, decompressed by `codec`.
    fn round_trip(codec: Codec, compressed: &[u8], text: &[u8]) {
        let pool = BufferPool::default();
        let stored = Bytes::from([b"LEVELS".as_slice(), compressed].concat());
        let page = Decoders::new().values(codec, &stored, 6, text.len(), &pool).unwrap();
        assert_eq!(&page[..6], b"LEVELS");
        assert_eq!(&page[6..], text);
    }

    #[test]
    fn pages_decompress_after_their_levels_and_damage_is_an_error() {
        let pool = BufferPool::default();
        let text = b"a page of text, a page of text, a page of text".repeat(20);
        let snappy = snap::raw::Encoder::new().compress_vec(&text).unwrap();
        round_trip(Codec::Snappy, &snappy, &text);
        let zstd_sized = zstd::bulk::compress(&text, 3).unwrap();
        let mut encoder = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
        for half in text.chunks(text.len() / 2) {
            std::io::Write::write_all(&mut encoder, half).unwrap();
            std::io::Write::flush(&mut encoder).unwrap();
        }
        let zstd_streamed = encoder.finish().unwrap();
        assert!(matches!(zstd::zstd_safe::get_frame_content_size(&zstd_streamed), Ok(None)), "a frame of no size");
        for zstd in [&zstd_sized, &zstd_streamed] {
            round_trip(Codec::Zstd, zstd, &text);
        }

        let mut decoders = Decoders::new();
        let error = decoders
            .values(Codec::Snappy, &Bytes::copy_from_slice(&snappy[..snappy.len() / 2]), 0, MOST, &pool)
            .unwrap_err();
        assert!(error.to_string().contains("a Snappy page could not be decompressed"), "{error}");
        let error =
            decoders.values(Codec::Snappy, &Bytes::from(snappy.clone()), snappy.len() + 1, MOST, &pool).unwrap_err();
        assert!(error.to_string().contains("levels are longer than the page"), "{error}");
        for damaged in [&zstd_sized[..zstd_sized.len() / 2], &zstd_streamed[..zstd_streamed.len() / 2]] {
            let error = decoders.values(Codec::Zstd, &Bytes::copy_from_slice(damaged), 0, MOST, &pool).unwrap_err();
            assert!(error.to_string().contains("a zstd page could not be decompressed"), "{error}");
        }
    }

    #[test]
    fn a_zstd_page_of_several_frames_is_read_whole() {
        let text = b"a page of text, a page of text, a page of text".repeat(20);
        let (first, second) = text.split_at(text.len() / 3);
        let sized: Vec<u8> = [first, second].iter().flat_map(|part| zstd::bulk::compress(part, 3).unwrap()).collect();
        round_trip(Codec::Zstd, &sized, &text);
        // A frame of no stated size after a sized one: the page is decoded as a stream.
        let mut encoder = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
        std::io::Write::write_all(&mut encoder, second).unwrap();
        std::io::Write::flush(&mut encoder).unwrap();
        let mixed = [zstd::bulk::compress(first, 3).unwrap(), encoder.finish().unwrap()].concat();
        round_trip(Codec::Zstd, &mixed, &text);
        // Frames whose sizes add up past the column chunk are refused.
        let pool = BufferPool::default();
        let error = Decoders::new().values(Codec::Zstd, &Bytes::from(sized), 0, text.len() - 1, &pool).unwrap_err();
        assert!(error.to_string().contains("column chunk's size"), "{error}");
    }

    #[test]
    fn a_page_bigger_than_its_column_chunk_is_damaged_and_never_allocated() {
        let pool = BufferPool::default();
        let zeros = vec![0_u8; 1 << 16];
        let mut decoders = Decoders::new();
        let snappy = snap::raw::Encoder::new().compress_vec(&zeros).unwrap();
        let zstd_sized = zstd::bulk::compress(&zeros, 3).unwrap();
        let mut encoder = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
        std::io::Write::write_all(&mut encoder, &zeros).unwrap();
        std::io::Write::flush(&mut encoder).unwrap();
        let zstd_streamed = encoder.finish().unwrap();
        for (codec, compressed) in [(Codec::Snappy, &snappy), (Codec::Zstd, &zstd_sized), (Codec::Zstd, &zstd_streamed)]
        {
            let error = decoders.values(codec, &Bytes::copy_from_slice(compressed), 0, 1000, &pool).unwrap_err();
            assert!(error.to_string().contains("column chunk's size"), "{codec:?}: {error}");
        }
        // A Snappy page that says it is 4 GiB: refused before anything is allocated.
        let claims_4_gib = Bytes::from_static(&[0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
        let error = decoders.values(Codec::Snappy, &claims_4_gib, 0, MOST, &pool).unwrap_err();
        assert!(error.to_string().contains("column chunk's size"), "{error}");
    }
}
