//! Photos given to search by (uploaded by the browser, dropped on the desktop window), kept
//! in memory only (never written to disk, least of all into the user's folders) so a search
//! can refer to one while the user moves the weight slider.

use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};

use trove_core::api::{ImageBytes, PhotoRefusal};

use crate::types::Upload;
use crate::{FrontError, FrontResult, UPLOAD_LIMIT};

/// The most recent uploads kept, and their total size cap.
const KEEP: usize = 16;
const KEEP_BYTES: usize = 256 << 20;

#[derive(Default)]
pub struct Uploads {
    kept: Mutex<VecDeque<(String, ImageBytes)>>,
}

impl Uploads {
    /// Keeps a photo once its bytes say it is an image; its size is read from its header. A
    /// file that does not decode is refused when searched by, with the decoder's reason.
    pub(crate) fn add(&self, bytes: Arc<[u8]>) -> FrontResult<Upload> {
        if bytes.is_empty() {
            return Err(FrontError::Invalid("the photo is empty".into()));
        }
        if bytes.len() > UPLOAD_LIMIT {
            return Err(FrontError::TooLarge);
        }
        // As indexing reads it, so a photo Trove indexes (HEIC, RAW, any TIFF) can be searched by.
        let size = trove_core::api::photo_size(&bytes).map_err(|refused| match refused {
            PhotoRefusal::NotAnImage(_) => {
                FrontError::Unsupported("this file is not an image Trove can read".into())
            }
            PhotoRefusal::Unreadable(why) => {
                FrontError::Invalid(format!("this image cannot be read: {why}"))
            }
        })?;
        let (width, height) = (size.width, size.height);
        let id = crate::new_token();
        let upload = Upload {
            id: id.clone(),
            width,
            height,
            format: size.format.to_string(),
            bytes: bytes.len(),
        };
        let name = format!("the dropped photo ({})", size.format);
        self.insert(id, ImageBytes { name, bytes });
        Ok(upload)
    }

    fn insert(&self, id: String, image: ImageBytes) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.push_back((id, image));
        while kept.len() > KEEP || total(&kept) > KEEP_BYTES {
            kept.pop_front();
        }
    }

    /// An upload by id, if still kept.
    pub fn get(&self, id: &str) -> Option<ImageBytes> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter()
            .find(|(i, _)| i == id)
            .map(|(_, image)| image.clone())
    }
}

fn total(kept: &VecDeque<(String, ImageBytes)>) -> usize {
    kept.iter().map(|(_, i)| i.bytes.len()).sum()
}

/// The sender's word for what it sends must at least be an image type.
pub fn check_declared(declared: Option<&str>) -> FrontResult<()> {
    let declared = declared.unwrap_or("");
    if declared.starts_with("image/") {
        return Ok(());
    }
    Err(FrontError::Unsupported(format!(
        "send the photo itself with an image/* content type, not {:?}",
        if declared.is_empty() {
            "none"
        } else {
            declared
        }
    )))
}

/// A dropped file's bytes, at most the upload limit (a dropped 4 GB video is refused after
/// reading one byte past the limit, not whole).
pub(crate) fn read_dropped(path: &Path) -> FrontResult<Arc<[u8]>> {
    let cannot =
        |e: std::io::Error| FrontError::Invalid(format!("{} cannot be read: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(cannot)?;
    if !file.metadata().map_err(cannot)?.is_file() {
        return Err(FrontError::Unsupported(format!(
            "{} is not a photo (drop a photo to find similar ones)",
            path.display()
        )));
    }
    let mut bytes = Vec::new();
    file.take(UPLOAD_LIMIT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > UPLOAD_LIMIT {
        return Err(FrontError::TooLarge);
    }
    Ok(Arc::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Arc<[u8]> {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbImage::new(3, 2)
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        Arc::from(out.into_inner())
    }

    #[test]
    fn a_photo_is_kept_by_id_and_the_oldest_go_first() {
        let uploads = Uploads::default();
        let first = uploads.add(png()).unwrap();
        assert_eq!(
            (first.width, first.height, first.format.as_str()),
            (3, 2, "png")
        );
        assert!(uploads.get(&first.id).is_some());
        for _ in 0..KEEP {
            uploads.add(png()).unwrap();
        }
        assert!(
            uploads.get(&first.id).is_none(),
            "only the latest {KEEP} are kept"
        );
    }

    #[test]
    fn every_format_indexing_reads_can_be_searched_by() {
        let variants = trove_testkit::fixtures().join("variants");
        let uploads = Uploads::default();
        for (name, format, size) in [
            ("hdr-pq.heic", "heic", (64, 48)),
            ("bigtiff-rgb.tif", "tiff", (64, 48)),
            ("grey-float32.tif", "tiff", (64, 48)),
        ] {
            let bytes = std::fs::read(variants.join(name)).unwrap();
            let upload = uploads.add(Arc::from(bytes)).unwrap();
            assert_eq!(
                (upload.format.as_str(), (upload.width, upload.height)),
                (format, size),
                "{name}"
            );
        }
    }

    #[test]
    fn what_is_not_an_image_is_refused_by_its_bytes() {
        let uploads = Uploads::default();
        let err = uploads.add(Arc::from(&b"GIF89a"[..])).unwrap_err();
        assert!(matches!(err, FrontError::Invalid(_)), "{err}");
        let err = uploads.add(Arc::from(&b"plain words"[..])).unwrap_err();
        assert!(matches!(err, FrontError::Unsupported(_)), "{err}");
        assert!(check_declared(Some("text/plain")).is_err());
        assert!(check_declared(None).is_err());
        assert!(check_declared(Some("image/png")).is_ok());
    }

    #[test]
    fn a_dropped_folder_or_missing_file_is_refused_with_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_dropped(dir.path()),
            Err(FrontError::Unsupported(_))
        ));
        let err = read_dropped(&dir.path().join("gone.jpg"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("gone.jpg cannot be read"), "{err}");
        let photo = dir.path().join("a.png");
        std::fs::write(&photo, png()).unwrap();
        assert_eq!(read_dropped(&photo).unwrap(), png());
    }
}
