//! Valid-but-unusual BMP and GIF files that the `image` crate's decoders refuse over a header
//! detail alone, rewritten in a copy into the plain form those decoders read. Each rewrite
//! keeps the pixels as they are; the reader of an earlier era (and Pillow today) showed them.

/// A copy of `bytes` the decoder will read, and whether its rows come out upside down.
pub(super) struct Rewritten {
    pub bytes: Vec<u8>,
    pub flipped: bool,
}

const BMP_FILE_HEADER: usize = 14;
const BMP_INFO_HEADER: u32 = 40;
const OS2_V2_HEADER: u32 = 64;
const BI_RLE8: u32 = 1;
const BI_RLE4: u32 = 2;

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn put32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// BMP: a plane count other than 1 (the field is fixed at 1; some writers put 0 or the bit
/// depth), an OS/2 2.x 64-byte header (its first 40 bytes are the Windows header; palette
/// entries are 4 bytes in both), and run-length data stored top-down (a negative height,
/// which the format reserves for uncompressed rows but writers use).
pub(super) fn bmp(bytes: &[u8]) -> Option<Rewritten> {
    if !bytes.starts_with(b"BM") {
        return None;
    }
    let header = le32(bytes, BMP_FILE_HEADER)?;
    if header != BMP_INFO_HEADER && header != OS2_V2_HEADER {
        return None;
    }
    let at = |field: usize| BMP_FILE_HEADER + field;
    let height = le32(bytes, at(8))? as i32;
    let planes = u16::from_le_bytes(bytes.get(at(12)..at(14))?.try_into().ok()?);
    let compression = le32(bytes, at(16))?;
    let os2 = header == OS2_V2_HEADER && compression <= BI_RLE4;
    let top_down_rle = height < 0 && matches!(compression, BI_RLE8 | BI_RLE4);
    if planes == 1 && !os2 && !top_down_rle {
        return None;
    }
    let mut out = bytes.to_vec();
    out[at(12)..at(14)].copy_from_slice(&1u16.to_le_bytes());
    if top_down_rle {
        put32(&mut out, at(8), height.unsigned_abs());
    }
    if os2 {
        let extra = (OS2_V2_HEADER - BMP_INFO_HEADER) as usize;
        let from = at(BMP_INFO_HEADER as usize);
        out.drain(from..from + extra);
        put32(&mut out, at(0), BMP_INFO_HEADER);
        let size = le32(&out, 2)?.saturating_sub(extra as u32);
        put32(&mut out, 2, size);
        let offset = le32(&out, 10)?.checked_sub(extra as u32)?;
        put32(&mut out, 10, offset);
    }
    Some(Rewritten {
        bytes: out,
        flipped: top_down_rle,
    })
}

/// GIF: an image with no colour table at all, neither global nor its own. The format leaves
/// the colours to the reader; index i is shown as grey i, as Pillow does.
pub(super) fn gif(bytes: &[u8]) -> Option<Rewritten> {
    const FLAGS: usize = 10;
    const GLOBAL_TABLE: u8 = 0x80;
    if !(bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a")) {
        return None;
    }
    let flags = *bytes.get(FLAGS)?;
    if flags & GLOBAL_TABLE != 0 || bytes.len() < 13 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() + 768);
    out.extend_from_slice(&bytes[..13]);
    // 256 entries: the table-size bits 7 say 2^(7+1).
    out[FLAGS] = flags | GLOBAL_TABLE | 0x07;
    out.extend((0..=255u8).flat_map(|v| [v; 3]));
    out.extend_from_slice(&bytes[13..]);
    Some(Rewritten {
        bytes: out,
        flipped: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::image::testutil::{encode_with, gradient};

    #[test]
    fn ordinary_files_are_left_alone() {
        for (format, rewrite) in [
            (
                ::image::ImageFormat::Bmp,
                bmp as fn(&[u8]) -> Option<Rewritten>,
            ),
            (::image::ImageFormat::Gif, gif),
        ] {
            let file = encode_with(&gradient(8, 8), format);
            assert!(rewrite(&file).is_none(), "{format:?}");
        }
        assert!(bmp(b"BM").is_none());
        assert!(gif(b"GIF89a").is_none());
    }

    #[test]
    fn a_bmp_plane_count_is_set_to_one() {
        let mut file = encode_with(&gradient(8, 8), ::image::ImageFormat::Bmp);
        file[26] = 3;
        let fixed = bmp(&file).expect("rewritten");
        assert_eq!(fixed.bytes[26], 1);
        assert!(!fixed.flipped);
        assert_eq!(fixed.bytes.len(), file.len());
    }
}
