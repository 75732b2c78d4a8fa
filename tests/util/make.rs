//! Test files, good and hostile. Everything except the six tiny photos (committed fixtures,
//! rebuilt by `tests/fixtures/make_fixtures.py`) is made here from scratch, so each test shows
//! exactly which bytes it feeds the indexer.

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use trove_testkit::png::{deflate, rgb8};

/// A 24×16 picture in each format Trove decodes (see `tests/fixtures/README.md`).
pub const JPEG: &[u8] = include_bytes!("../fixtures/photos/tiny.jpg");
pub const PNG: &[u8] = include_bytes!("../fixtures/photos/tiny.png");
pub const WEBP: &[u8] = include_bytes!("../fixtures/photos/tiny.webp");
pub const GIF: &[u8] = include_bytes!("../fixtures/photos/tiny.gif");
pub const BMP: &[u8] = include_bytes!("../fixtures/photos/tiny.bmp");
pub const TIFF: &[u8] = include_bytes!("../fixtures/photos/tiny.tiff");
/// The fixtures' size.
pub const FIXTURE_DIMS: (u64, u64) = (24, 16);

/// A made-up word no real text contains, distinct for every `n`. Only consonants: the porter
/// stemmer leaves such words alone, so no two of them can stem to the same term.
pub fn word(n: usize) -> String {
    const LETTERS: &[u8] = b"bcdfghjklmnpqrtvwxz";
    let mut w = String::from("zq");
    let mut rest = n;
    for _ in 0..4 {
        w.push(LETTERS[rest % LETTERS.len()] as char);
        rest /= LETTERS.len();
    }
    assert_eq!(rest, 0, "word({n}) out of range");
    w.push_str("xk");
    w
}

/// A Markdown note with a title and one unique word among ordinary text.
pub fn note(title: &str, unique: &str) -> String {
    format!(
        "# {title}\n\nA short note about {unique} written for the tests.\n\n\
         ## Details\n\nNothing else here but ordinary words about the weather and lunch.\n"
    )
}

/// The fixture JPEG with a comment segment (`FF FE`) after SOI: a valid JPEG of the same
/// picture whose bytes (and so blake3 hash) differ for every `comment`.
pub fn jpeg_with_comment(comment: &str) -> Vec<u8> {
    assert_eq!(&JPEG[..2], b"\xFF\xD8");
    let len = u16::try_from(comment.len() + 2).expect("short comment");
    let mut out = JPEG[..2].to_vec();
    out.extend_from_slice(b"\xFF\xFE");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(comment.as_bytes());
    out.extend_from_slice(&JPEG[2..]);
    out
}

/// A valid RGB PNG whose pixels depend on `seed`: distinct seeds, distinct files.
pub fn png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for _ in 0..height {
        raw.push(0); // filter: none
        let mut row = vec![0u8; (width * 3) as usize];
        rng.fill_bytes(&mut row);
        raw.extend(row);
    }
    rgb8(width, height, Some(&deflate(&raw)))
}

/// A decompression bomb: the header declares `width`×`height`, the data is one tiny valid
/// scanline. A decoder that trusts the header allocates width×height×3 bytes.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    rgb8(width, height, Some(&deflate(&[0, 0, 0, 0])))
}

/// Random bytes (not starting with any image signature: the first byte is 0x00 and the second
/// 0x01, which no format Trove knows begins with).
pub fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    StdRng::seed_from_u64(seed).fill_bytes(&mut bytes);
    bytes[0] = 0x00;
    bytes[1] = 0x01;
    bytes
}

/// The start of a HEIC file cut off inside its `meta` box: an ISO-BMFF `ftyp` box with brand
/// `heic`, then a box header and no more.
pub fn heic() -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&24u32.to_be_bytes());
    out.extend_from_slice(b"ftypheic");
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(b"mif1heic");
    out.extend_from_slice(&16u32.to_be_bytes());
    out.extend_from_slice(b"meta\0\0\0\0hdlr\0\0\0\0");
    out
}

/// A Canon CR2 header: TIFF little-endian, then `CR` and the format version.
pub fn cr2() -> Vec<u8> {
    let mut out = b"II*\0\x10\0\0\0CR\x02\0".to_vec();
    out.resize(64, 0);
    out
}

/// A one-page PDF whose page content stream is `content` (Helvetica is available as /F1),
/// with a correct cross-reference table. `encrypt` adds a standard security handler (RC4,
/// revision 2) whose user password is not empty, so the document cannot be opened.
pub fn pdf(content: &str, encrypt: bool) -> Vec<u8> {
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_string(),
    ];
    let mut trailer = format!(
        "/Size {} /Root 1 0 R",
        objects.len() + 1 + usize::from(encrypt)
    );
    if encrypt {
        // /O and /U are what a real encryptor derives from the passwords; any 32 bytes that
        // the empty password does not reproduce make the document locked.
        let o = "6F776E65722070617373776F72642068617368206E6F7420656D707479212121";
        let u = "75736572207061737320776F7264206861736820646F65736E2774206D617463";
        objects.push(format!(
            "<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <{o}> /U <{u}> >>"
        ));
        let id = "0123456789ABCDEF0123456789ABCDEF";
        trailer.push_str(&format!(" /Encrypt 6 0 R /ID [<{id}> <{id}>]"));
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n", objects.len() + 1).as_bytes());
    out.extend_from_slice(b"0000000000 65535 f \n");
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< {trailer} >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

/// A PDF with one line of real text (the control for the PDFs below: same writer, with text).
pub fn pdf_with_text(text: &str) -> Vec<u8> {
    pdf(&format!("BT /F1 14 Tf 72 720 Td ({text}) Tj ET"), false)
}

/// A PDF whose only page draws lines: what a scan without OCR looks like to a text extractor.
pub fn pdf_without_text() -> Vec<u8> {
    pdf("0.5 w 72 72 m 540 720 l S 72 720 m 540 72 l S", false)
}

/// A password-protected PDF.
pub fn pdf_encrypted() -> Vec<u8> {
    pdf("BT /F1 14 Tf 72 720 Td (Secret) Tj ET", true)
}

/// `text` encoded as Windows-1252 (Latin-1 plus the typographic characters of 0x80–0x9F that
/// French text uses). Panics on a character the encoding lacks.
pub fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '€' => 0x80,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '–' => 0x96,
            'œ' => 0x9C,
            c if (c as u32) < 0x80 || (0xA0..=0xFF).contains(&(c as u32)) => c as u8,
            c => panic!("{c:?} is not in Windows-1252 (or this table)"),
        })
        .collect()
}
