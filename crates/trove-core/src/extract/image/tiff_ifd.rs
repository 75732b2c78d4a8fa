//! The first IFD of a TIFF, read just far enough to find a tag's values and to rewrite a few of
//! them in a copy of the file, for the variants the `tiff` crate refuses as they are (palette
//! and CIELab photometrics, FillOrder 2, IFD chains): see `tiff.rs`.

use ::tiff::tags::Tag;

/// The first IFD, read just far enough to rewrite a tag's inline value in a copy of the file.
#[derive(Debug)]
pub(super) struct Ifd {
    little: bool,
    big: bool,
    /// (tag, type, count, offset of the value field)
    entries: Vec<(u16, u16, u64, usize)>,
    /// Where the next-IFD pointer is.
    pub(super) next_at: usize,
}

impl Ifd {
    pub(super) fn first(bytes: &[u8]) -> Option<Ifd> {
        let little = match bytes.get(..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let rd = |at: usize, n: usize| uint(bytes, little, at, n);
        let big = match rd(2, 2)? {
            42 => false,
            43 => true,
            _ => return None,
        };
        let (start, count_len, entry_len, count_field, value_field) = if big {
            (usize::try_from(rd(8, 8)?).ok()?, 8, 20, 8, 12)
        } else {
            (usize::try_from(rd(4, 4)?).ok()?, 2, 12, 4, 8)
        };
        let n = usize::try_from(rd(start, count_len)?).ok()?;
        let mut entries = Vec::with_capacity(n.min(4096));
        for i in 0..n {
            let at = start + count_len + i * entry_len;
            let tag = rd(at, 2)? as u16;
            let kind = rd(at + 2, 2)? as u16;
            let count = rd(at + 4, count_field)?;
            entries.push((tag, kind, count, at + value_field));
        }
        Some(Ifd {
            little,
            big,
            entries,
            next_at: start + count_len + n * entry_len,
        })
    }

    fn read(&self, bytes: &[u8], at: usize, n: usize) -> Option<u64> {
        uint(bytes, self.little, at, n)
    }

    fn write(&self, file: &mut [u8], at: usize, n: usize, value: u64) {
        let Some(b) = file.get_mut(at..at + n) else {
            return;
        };
        for (i, byte) in b.iter_mut().enumerate() {
            let shift = if self.little { i } else { n - 1 - i } * 8;
            *byte = (value >> shift) as u8;
        }
    }

    /// An integer tag's values (BYTE, SHORT, LONG, LONG8), inline or at their offset.
    pub(super) fn values(&self, bytes: &[u8], tag: u16) -> Option<Vec<u64>> {
        let &(_, kind, count, field) = self.entries.iter().find(|e| e.0 == tag)?;
        let size = match kind {
            1 => 1,
            3 => 2,
            4 | 13 => 4,
            16 | 18 => 8,
            _ => return None,
        };
        let count = usize::try_from(count).ok().filter(|&c| c <= 1 << 20)?;
        let inline = if self.big { 8 } else { 4 };
        let at = if size * count <= inline {
            field
        } else {
            usize::try_from(self.read(bytes, field, inline)?).ok()?
        };
        (0..count)
            .map(|i| self.read(bytes, at + i * size, size))
            .collect()
    }

    pub(super) fn value(&self, bytes: &[u8], tag: u16) -> Option<u64> {
        self.values(bytes, tag)?.first().copied()
    }

    /// Rewrites an inline SHORT tag's value.
    pub(super) fn set_short(&self, file: &mut [u8], tag: u16, value: u16) {
        if let Some(&(_, 3, 1, field)) = self.entries.iter().find(|e| e.0 == tag) {
            self.write(file, field, 2, u64::from(value));
        }
    }

    /// Whether another IFD follows the first (only the first image is shown).
    pub(super) fn chained(&self, bytes: &[u8]) -> bool {
        self.read(bytes, self.next_at, if self.big { 8 } else { 4 })
            .is_some_and(|next| next != 0)
    }

    pub(super) fn cut_chain(&self, file: &mut [u8]) {
        self.write(file, self.next_at, if self.big { 8 } else { 4 }, 0);
    }

    /// FillOrder 2 stores each byte's bits lowest first; the decoders read highest first.
    pub(super) fn reverse_fill_order(&self, file: &mut [u8]) {
        let (offsets, counts) = match (
            self.values(file, Tag::StripOffsets.to_u16()),
            self.values(file, Tag::StripByteCounts.to_u16()),
        ) {
            (Some(o), Some(c)) => (o, c),
            _ => match (
                self.values(file, Tag::TileOffsets.to_u16()),
                self.values(file, Tag::TileByteCounts.to_u16()),
            ) {
                (Some(o), Some(c)) => (o, c),
                _ => return,
            },
        };
        for (&at, &n) in offsets.iter().zip(&counts) {
            let (Ok(at), Ok(n)) = (usize::try_from(at), usize::try_from(n)) else {
                continue;
            };
            let end = at.saturating_add(n).min(file.len());
            for byte in file.get_mut(at.min(end)..end).unwrap_or_default() {
                *byte = byte.reverse_bits();
            }
        }
        self.set_short(file, Tag::FillOrder.to_u16(), 1);
    }
}

/// An unsigned integer of `n` bytes at `at`, in the file's byte order.
fn uint(bytes: &[u8], little: bool, at: usize, n: usize) -> Option<u64> {
    let b = bytes.get(at..at.checked_add(n)?)?;
    let fold = |v: u64, &x: &u8| (v << 8) | u64::from(x);
    Some(if little {
        b.iter().rev().fold(0, fold)
    } else {
        b.iter().fold(0, fold)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifd_values_read_inline_and_at_offsets_in_both_byte_orders() {
        // Big-endian: one inline SHORT and a LONG array stored after the IFD.
        let mut file = b"MM\0*\0\0\0\x08".to_vec();
        file.extend_from_slice(&2u16.to_be_bytes());
        file.extend_from_slice(&[0x01, 0x06, 0, 3, 0, 0, 0, 1, 0, 3, 0, 0]); // 262 = 3
        file.extend_from_slice(&[0x01, 0x11, 0, 4, 0, 0, 0, 2, 0, 0, 0, 38]); // 273 at 38
        file.extend_from_slice(&0x0000_0008u32.to_be_bytes()); // a loop back to itself
        file.extend_from_slice(&[0, 0, 0, 100, 0, 0, 0, 200]);
        let ifd = Ifd::first(&file).expect("parsed");
        assert_eq!(ifd.value(&file, 262), Some(3));
        assert_eq!(ifd.values(&file, 273), Some(vec![100, 200]));
        ifd.set_short(&mut file, 262, 1);
        ifd.cut_chain(&mut file);
        let again = Ifd::first(&file).unwrap();
        assert_eq!(again.value(&file, 262), Some(1));
        assert_eq!(&file[again.next_at..again.next_at + 4], &[0; 4]);
        assert!(Ifd::first(b"II*").is_none());
        assert!(Ifd::first(b"II\x2a\0\xff\xff\xff\xff").is_none());
    }
}
