//! Paths as the store keeps them: the operating system's bytes, so that file names which are
//! not valid UTF-8 (old Latin-1 archives, for instance) are indexed like any other and map back
//! to the same file. Display goes through [`display`], which is lossy on purpose.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

pub fn to_bytes(path: &Path) -> Vec<u8> {
    path.as_os_str().as_encoded_bytes().to_vec()
}

#[cfg(unix)]
pub fn from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
pub fn from_bytes(bytes: &[u8]) -> PathBuf {
    // SAFETY: every path in the store was written by `to_bytes` (`as_encoded_bytes`) on this
    // platform, which is exactly the contract `from_encoded_bytes_unchecked` requires.
    PathBuf::from(unsafe { OsStr::from_encoded_bytes_unchecked(bytes) })
}

/// Writes a file whole: under a temporary name beside it, then renamed over it, so a reader
/// (or a crash) never sees half of it.
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

pub fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Whether `path` lies strictly inside `dir`, by whole components and without stepping out
/// through `..` (`/photos/../etc` is not inside `/photos`, nor is `/photos2/a`).
pub fn inside(path: &Path, dir: &Path) -> bool {
    use std::path::Component;
    path != dir
        && path.starts_with(dir)
        && !path.components().any(|c| matches!(c, Component::ParentDir))
}

/// The stored paths strictly under `dir` sort in `[lo, hi)`: `dir/` up to `dir0` ('0' follows
/// '/', and ']' follows '\\'), a range the unique index on `files.path` answers without a scan.
pub fn under_range(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let mut lo = to_bytes(dir);
    if lo.last() != Some(&b'/') && lo.last() != Some(&b'\\') {
        lo.push(std::path::MAIN_SEPARATOR as u8);
    }
    let mut hi = lo.clone();
    if let Some(last) = hi.last_mut() {
        *last += 1;
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_is_by_whole_components_and_never_through_parent_steps() {
        let root = Path::new("/home/a/photos");
        assert!(inside(Path::new("/home/a/photos/x.jpg"), root));
        assert!(inside(Path::new("/home/a/photos/2024/x.jpg"), root));
        assert!(!inside(root, root));
        assert!(!inside(Path::new("/home/a/photos2/x.jpg"), root));
        assert!(!inside(
            Path::new("/home/a/photos/../.ssh/id_ed25519"),
            root
        ));
        assert!(!inside(Path::new("/etc/passwd"), root));
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_round_trip() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(OsStr::from_bytes(b"/tmp/caf\xe9.txt"));
        assert_eq!(from_bytes(&to_bytes(path)), path);
        assert_eq!(display(path), "/tmp/caf\u{fffd}.txt");
    }
}
