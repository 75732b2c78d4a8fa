//! DNG files written tag by tag, laid out as cameras and converters write them: IFD0 a small
//! thumbnail carrying the DNG and camera tags, its SubIFDs the sensor data (a Bayer mosaic,
//! 16-bit, uncompressed) and, when asked, a larger rendering (the "preview"). An EXIF IFD holds
//! the capture date.

/// What a test DNG holds.
pub struct Dng {
    /// The scene, packed 8-bit RGB of `width`×`height`: the sensor data is mosaicked from it
    /// (RGGB), as a camera would have recorded it under a neutral light.
    pub width: u32,
    pub height: u32,
    pub scene: Vec<u8>,
    /// A rendering stored beside the sensor data (packed RGB, its own size), when given.
    pub preview: Option<(u32, u32, Vec<u8>)>,
    /// EXIF orientation (1 = upright, 6 = turn 90° clockwise to display).
    pub orientation: u16,
    pub make: &'static str,
    pub model: &'static str,
    /// "YYYY:MM:DD HH:MM:SS"
    pub taken: &'static str,
}

const SHORT: u16 = 3;
const LONG: u16 = 4;
const ASCII: u16 = 2;
const BYTE: u16 = 1;
const SRATIONAL: u16 = 10;
const RATIONAL: u16 = 5;

/// One tag: its type and its value's bytes (little-endian).
struct Tag {
    id: u16,
    kind: u16,
    count: u32,
    bytes: Vec<u8>,
}

fn shorts(id: u16, v: &[u16]) -> Tag {
    Tag {
        id,
        kind: SHORT,
        count: v.len() as u32,
        bytes: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    }
}

fn longs(id: u16, v: &[u32]) -> Tag {
    Tag {
        id,
        kind: LONG,
        count: v.len() as u32,
        bytes: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    }
}

fn ascii(id: u16, s: &str) -> Tag {
    let mut bytes = s.as_bytes().to_vec();
    bytes.push(0);
    Tag {
        id,
        kind: ASCII,
        count: bytes.len() as u32,
        bytes,
    }
}

fn bytes(id: u16, v: &[u8]) -> Tag {
    Tag {
        id,
        kind: BYTE,
        count: v.len() as u32,
        bytes: v.to_vec(),
    }
}

fn rationals(id: u16, kind: u16, v: &[(i32, i32)]) -> Tag {
    Tag {
        id,
        kind,
        count: v.len() as u32,
        bytes: v
            .iter()
            .flat_map(|(n, d)| [n.to_le_bytes(), d.to_le_bytes()])
            .flatten()
            .collect(),
    }
}

/// A TIFF being laid out: data blocks are appended, IFDs written once their tags are known.
struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn align(&mut self) {
        if self.out.len() % 2 == 1 {
            self.out.push(0);
        }
    }

    /// Appends a data block; returns its offset.
    fn block(&mut self, data: &[u8]) -> u32 {
        self.align();
        let at = self.out.len() as u32;
        self.out.extend_from_slice(data);
        at
    }

    /// Writes an IFD (tags sorted, values over 4 bytes placed after it); returns its offset.
    fn ifd(&mut self, mut tags: Vec<Tag>) -> u32 {
        tags.sort_by_key(|t| t.id);
        self.align();
        let at = self.out.len() as u32;
        let mut data_at = at + 2 + tags.len() as u32 * 12 + 4;
        let mut data = Vec::new();
        self.out
            .extend_from_slice(&(tags.len() as u16).to_le_bytes());
        for tag in &tags {
            self.out.extend_from_slice(&tag.id.to_le_bytes());
            self.out.extend_from_slice(&tag.kind.to_le_bytes());
            self.out.extend_from_slice(&tag.count.to_le_bytes());
            if tag.bytes.len() <= 4 {
                let mut inline = tag.bytes.clone();
                inline.resize(4, 0);
                self.out.extend_from_slice(&inline);
            } else {
                self.out.extend_from_slice(&data_at.to_le_bytes());
                data.extend_from_slice(&tag.bytes);
                if data.len() % 2 == 1 {
                    data.push(0);
                }
                data_at = at + 2 + tags.len() as u32 * 12 + 4 + data.len() as u32;
            }
        }
        self.out.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
        self.out.extend_from_slice(&data);
        at
    }
}

/// How a strip's pixels are stored.
#[derive(Clone, Copy)]
enum Pixels {
    /// Packed 8-bit RGB: a rendering or thumbnail.
    Rgb8,
    /// A 16-bit colour filter array mosaic: the sensor data.
    Cfa16,
}

/// Tags of an uncompressed `width`×`height` image in one strip of `len` bytes at `offset`;
/// `subfile` 1 marks a reduced-size rendering, 0 the main image.
fn strip(
    (width, height): (u32, u32),
    (offset, len): (u32, u32),
    subfile: u32,
    pixels: Pixels,
) -> Vec<Tag> {
    let (samples, bits, photometric) = match pixels {
        Pixels::Rgb8 => (3, 8, 2),
        Pixels::Cfa16 => (1, 16, 32803),
    };
    vec![
        longs(254, &[subfile]),
        longs(256, &[width]),
        longs(257, &[height]),
        shorts(258, &vec![bits; usize::from(samples)]),
        shorts(259, &[1]),
        shorts(262, &[photometric]),
        longs(273, &[offset]),
        shorts(277, &[samples]),
        longs(278, &[height]),
        longs(279, &[len]),
        shorts(284, &[1]),
    ]
}

/// sRGB-encoded 8-bit → linear, as a sensor records light.
fn linear(v: u8) -> f64 {
    let c = f64::from(v) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// The DNG's bytes.
pub fn write(dng: &Dng) -> Vec<u8> {
    let (w, h) = (dng.width, dng.height);
    assert_eq!(
        dng.scene.len(),
        (w * h * 3) as usize,
        "packed RGB of {w}×{h}"
    );
    let mut tiff = Writer {
        out: b"II*\0\0\0\0\0".to_vec(),
    };

    // The sensor: RGGB, 16-bit linear, the white level a little under full scale.
    const WHITE: f64 = 60_000.0;
    let mosaic: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .flat_map(|(x, y)| {
            let channel = match (y % 2, x % 2) {
                (0, 0) => 0,
                (1, 1) => 2,
                _ => 1,
            };
            let v = linear(dng.scene[((y * w + x) * 3) as usize + channel]);
            ((v * WHITE).round() as u16).to_le_bytes()
        })
        .collect();
    let raw_at = tiff.block(&mosaic);
    let mut raw = strip((w, h), (raw_at, mosaic.len() as u32), 0, Pixels::Cfa16);
    raw.extend([
        shorts(33421, &[2, 2]),        // CFARepeatPatternDim
        bytes(33422, &[0, 1, 1, 2]),   // CFAPattern: RGGB
        longs(50714, &[0]),            // BlackLevel
        longs(50717, &[WHITE as u32]), // WhiteLevel
    ]);
    let raw_ifd = tiff.ifd(raw);
    let mut sub_ifds = vec![raw_ifd];
    if let Some((pw, ph, pixels)) = &dng.preview {
        let at = tiff.block(pixels);
        sub_ifds.push(tiff.ifd(strip(
            (*pw, *ph),
            (at, pixels.len() as u32),
            1,
            Pixels::Rgb8,
        )));
    }
    let exif = tiff.ifd(vec![ascii(36867, dng.taken)]); // DateTimeOriginal

    // IFD0: a 16×16 thumbnail (too small for anything but a file manager), and the DNG tags.
    let thumb: Vec<u8> = (0..16 * 16).flat_map(|_| [128u8, 128, 128]).collect();
    let thumb_at = tiff.block(&thumb);
    let mut ifd0 = strip((16, 16), (thumb_at, thumb.len() as u32), 1, Pixels::Rgb8);
    ifd0.extend([
        ascii(271, dng.make),
        ascii(272, dng.model),
        shorts(274, &[dng.orientation]),
        longs(330, &sub_ifds),                                // SubIFDs
        longs(34665, &[exif]),                                // ExifIFD
        bytes(50706, &[1, 4, 0, 0]),                          // DNGVersion
        bytes(50707, &[1, 1, 0, 0]),                          // DNGBackwardVersion
        ascii(50708, &format!("{} {}", dng.make, dng.model)), // UniqueCameraModel
        // ColorMatrix1 (XYZ → camera): sRGB's own, so the camera "is" an sRGB sensor.
        rationals(
            50721,
            SRATIONAL,
            &[
                (32406, 10000),
                (-15372, 10000),
                (-4986, 10000),
                (-9689, 10000),
                (18758, 10000),
                (415, 10000),
                (557, 10000),
                (-2040, 10000),
                (10570, 10000),
            ],
        ),
        shorts(50778, &[21]), // CalibrationIlluminant1: D65
        rationals(50728, RATIONAL, &[(1, 1), (1, 1), (1, 1)]), // AsShotNeutral
    ]);
    let ifd0_at = tiff.ifd(ifd0);
    tiff.out[4..8].copy_from_slice(&ifd0_at.to_le_bytes());
    tiff.out
}
