//! PNG files assembled chunk by chunk: valid ones with pixels a seed decides, and hostile ones a
//! real encoder would refuse to write (a header declaring more pixels than the data holds).

/// The eight bytes every PNG starts with.
pub const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// One chunk: length, type, data, then the CRC-32 of type and data.
pub fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    let len = u32::try_from(data.len()).expect("a chunk holds under 4 GiB");
    let mut out = len.to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    out
}

/// An 8-bit RGB PNG that declares `width`×`height` and holds `idat` as its image data (none: a
/// header and nothing else).
pub fn rgb8(width: u32, height: u32, idat: Option<&[u8]>) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    let mut out = SIGNATURE.to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    if let Some(idat) = idat {
        out.extend(chunk(b"IDAT", idat));
    }
    out.extend(chunk(b"IEND", b""));
    out
}

/// Scanlines (each a filter byte, then the row) compressed as an IDAT holds them.
pub fn deflate(scanlines: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(scanlines, 6)
}

/// `png` with one more chunk right after its IHDR (where eXIf may stand).
pub fn insert_after_ihdr(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    assert_eq!(&png[..8], SIGNATURE, "not a PNG");
    assert_eq!(&png[12..16], b"IHDR", "IHDR is not the first chunk");
    let split = SIGNATURE.len() + 25; // IHDR: length 4, type 4, data 13, CRC 4
    [&png[..split], &chunk(kind, data), &png[split..]].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_crc_is_the_one_png_specifies() {
        // IEND's CRC is the same in every PNG: AE 42 60 82.
        assert_eq!(chunk(b"IEND", b""), b"\0\0\0\0IEND\xAE\x42\x60\x82");
    }

    #[test]
    fn an_inserted_chunk_follows_ihdr() {
        let png = rgb8(2, 1, Some(&deflate(&[0, 1, 2, 3, 4, 5, 6])));
        let with = insert_after_ihdr(&png, b"eXIf", b"MM\0*");
        assert_eq!(&with[33 + 4..33 + 8], b"eXIf");
        assert_eq!(with.len(), png.len() + 12 + 4);
    }
}
