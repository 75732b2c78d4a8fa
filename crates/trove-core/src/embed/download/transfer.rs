//! One file's trip from the hub into the cache: lock, resume, verify, move into place, link.
//!
//! Bytes go to `blobs/<key>.incomplete` (key: the pinned sha256, else revision + name, which is
//! as immutable), are fsynced and verified, and only then renamed to `blobs/<sha256>` and linked
//! from the snapshot, so a complete-looking file is always a verified one. A crash leaves at most
//! the `.incomplete` file, which the next run resumes from.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tracing::{debug, info, warn};

use super::error::io_err;
use super::{DownloadError, DownloadEvent, HubFile, HubSource};

/// Progress events are emitted at most once per this many bytes, so a UI isn't flooded.
const PROGRESS_STEP: u64 = 256 * 1024;
const BUF_SIZE: usize = 64 * 1024;

/// Why one file could not be fetched, before it is dressed up as a [`DownloadError`]: the
/// unreachable case needs the list of all files still missing, which only `fetch` knows.
pub(super) enum Failure {
    Unreachable(String),
    Fatal(DownloadError),
}

impl From<DownloadError> for Failure {
    fn from(e: DownloadError) -> Failure {
        Failure::Fatal(e)
    }
}

/// One `fetch` call in progress.
pub(super) struct Job<'a> {
    pub agent: ureq::Agent,
    pub src: &'a HubSource,
    pub cache_dir: &'a Path,
    pub snapshot: &'a Path,
    pub endpoint: &'a str,
    pub retries: u32,
    /// Once the hub has answered, a failed connection is a hiccup to retry, not "no network".
    pub contacted: bool,
    pub on_event: &'a mut dyn FnMut(DownloadEvent),
    /// The last progress reported, so the same one is not sent twice.
    pub reported: Option<(u64, u64)>,
}

impl Job<'_> {
    pub(super) fn file(&mut self, file: &HubFile) -> Result<(), Failure> {
        let folder = self.src.cache_folder();
        let blobs = self.cache_dir.join(&folder).join("blobs");
        let pointer = self.snapshot.join(file.name);
        let key = match file.sha256 {
            Some(sha) => sha.to_ascii_lowercase(),
            None => format!(
                "{}-{}",
                self.src.revision,
                file.name.replace(['/', '\\'], "--")
            ),
        };
        let lock_dir = self.cache_dir.join(".locks").join(&folder);
        let lock_path = lock_dir.join(format!("{key}.lock"));
        for dir in [&blobs, pointer.parent().unwrap_or(self.snapshot), &lock_dir] {
            fs::create_dir_all(dir).map_err(io_err("create", dir))?;
        }
        // Same lock file as `huggingface_hub` for pinned blobs, so a Python download of this
        // blob is waited for too. Released when the handle drops, even if the process dies.
        let lock = File::create(&lock_path).map_err(io_err("create", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                info!(
                    file = file.name,
                    "another process is downloading this file; waiting"
                );
                lock.lock().map_err(io_err("lock", &lock_path))?;
            }
            // Some network file systems have no locks; the checksum still guards the result.
            Err(fs::TryLockError::Error(e)) => {
                warn!(path = %lock_path.display(), error = %e, "cannot lock; downloading anyway");
            }
        }

        self.reported = None;
        let pinned_blob = file.sha256.map(|_| blobs.join(&key));
        let blob = match pinned_blob {
            // Finished by another process while we waited, or left by a run that crashed
            // before linking: blobs only ever appear after verification.
            Some(blob) if has_size(&blob, file.size) => {
                let size = fs::metadata(&blob).map_or(0, |m| m.len());
                self.started(file, size);
                self.progress(file, size, size);
                blob
            }
            _ => {
                let part = blobs.join(format!("{key}.incomplete"));
                let sha = self.download(file, &part)?;
                let blob = blobs.join(sha);
                fs::rename(&part, &blob).map_err(io_err("move into place", &blob))?;
                sync_dir(&blobs);
                blob
            }
        };
        link(&blob, &pointer, file.name).map_err(io_err("link", &pointer))?;
        (self.on_event)(DownloadEvent::Finished {
            file: file.name.to_owned(),
        });
        info!(file = file.name, "model file ready");
        drop(lock);
        Ok(())
    }

    fn started(&mut self, file: &HubFile, total: u64) {
        (self.on_event)(DownloadEvent::Started {
            file: file.name.to_owned(),
            total,
        });
    }

    fn progress(&mut self, file: &HubFile, done: u64, total: u64) {
        if self.reported != Some((done, total)) {
            self.reported = Some((done, total));
            let file = file.name.to_owned();
            (self.on_event)(DownloadEvent::Progress { file, done, total });
        }
    }

    /// Fills `part_path` with the file's verified bytes, resuming from what it already holds;
    /// returns their sha256.
    fn download(&mut self, file: &HubFile, part_path: &Path) -> Result<String, Failure> {
        let url = self.src.url(self.endpoint, file.name);
        let open = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(part_path);
        let mut part = open.map_err(io_err("create", part_path))?;
        let ioe = |action| io_err(action, part_path);
        let mut done = part.metadata().map_err(ioe("read"))?.len();
        let mut hasher = Sha256::new();
        let mut total = file.size;
        if total.is_some_and(|t| done > t) {
            done = restart(&mut part, &mut hasher).map_err(ioe("truncate"))?;
        } else if done > 0 {
            // The kept prefix must be part of the hash; reading it back beats trusting it.
            part.seek(SeekFrom::Start(0)).map_err(ioe("read"))?;
            io::copy(&mut (&mut part).take(done), &mut hasher).map_err(ioe("read"))?;
            info!(file = file.name, done, "resuming download");
        }
        part.seek(SeekFrom::Start(done)).map_err(ioe("seek"))?;
        // Without a pinned size, the total is only known from the first response.
        let mut announced = false;
        if let Some(t) = total {
            self.started(file, t);
            self.progress(file, done, t);
            announced = true;
        }

        let mut failures = 0u32;
        let mut last_error: Option<(bool, String)> = None;
        while total.is_none_or(|t| done < t) {
            if failures > 0 {
                let (connect, reason) = last_error.take().unwrap_or_default();
                if failures > self.retries {
                    return Err(if connect {
                        Failure::Unreachable(format!("{reason} (after {failures} attempts)"))
                    } else {
                        let attempts = failures;
                        let e = DownloadError::Interrupted {
                            url,
                            attempts,
                            done,
                            total,
                            reason,
                        };
                        e.into()
                    });
                }
                let wait = Duration::from_millis(250u64 << (failures - 1).min(4));
                warn!(file = file.name, %reason, done, retry_in = ?wait, "download failed; retrying");
                std::thread::sleep(wait);
            }
            let mut request = self.agent.get(&url).header("Accept-Encoding", "identity");
            if done > 0 {
                request = request.header("Range", format!("bytes={done}-"));
            }
            let response = match request.call() {
                Ok(r) => r,
                Err(e) if !self.contacted => return Err(Failure::Unreachable(e.to_string())),
                Err(e) => {
                    failures += 1;
                    last_error = Some((true, e.to_string()));
                    continue;
                }
            };
            self.contacted = true;
            let status = response.status().as_u16();
            let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok());
            let range = header("content-range").and_then(content_range);
            let length = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
            match status {
                206 if range.is_some_and(|(start, _)| start == done) => {}
                200 if done == 0 => {}
                // Our Range was ignored (200) or answered for other bytes: appending would
                // corrupt the file, so start over and let the next request fetch it whole.
                200 | 206 | 416 => {
                    warn!(
                        file = file.name,
                        status, done, "server did not resume; starting over"
                    );
                    done = restart(&mut part, &mut hasher).map_err(ioe("truncate"))?;
                    if status != 200 {
                        failures += 1;
                        last_error = Some((false, format!("HTTP {status} to a resume request")));
                        continue;
                    }
                }
                429 | 500..=599 => {
                    failures += 1;
                    last_error = Some((false, format!("HTTP {status}")));
                    continue;
                }
                _ => return Err(DownloadError::Http { url, status }.into()),
            }
            if total.is_none() {
                total = if status == 206 {
                    range.and_then(|(_, t)| t)
                } else {
                    length
                };
            }
            if !announced {
                self.started(file, total.unwrap_or(0));
                announced = true;
            }
            self.progress(file, done, total.unwrap_or(0));

            let before = done;
            let mut body = response.into_body().into_reader();
            match self.copy_body(file, &mut body, &mut part, &mut hasher, &mut done, total) {
                // A clean end of a body of unknown length is the end of the file.
                Ok(()) if total.is_none() => total = Some(done),
                Ok(()) => {}
                Err(CopyError::Write(e)) => return Err(io_err("write", part_path)(e).into()),
                Err(CopyError::Read(e)) => last_error = Some((false, e.to_string())),
            }
            if total.is_none_or(|t| done < t) {
                // Progress means the link works; only stalls should use up retries.
                failures = if done > before { 1 } else { failures + 1 };
                let early = || (false, "the server ended the response early".to_owned());
                last_error = last_error.or_else(|| Some(early()));
            }
        }

        part.sync_all().map_err(ioe("sync"))?;
        drop(part);
        let actual = hex(&hasher.finalize());
        let mismatch = match (file.sha256, file.size) {
            (Some(sha), _) if !sha.eq_ignore_ascii_case(&actual) => {
                Some((sha.to_owned(), actual.clone()))
            }
            (_, Some(size)) if size != done => {
                Some((format!("{size} bytes"), format!("{done} bytes")))
            }
            _ => None,
        };
        if let Some((expected, got)) = mismatch {
            fs::remove_file(part_path).map_err(ioe("delete"))?;
            warn!(file = file.name, %expected, actual = %got, "downloaded file does not verify");
            return Err(DownloadError::Checksum {
                repo: self.src.repo,
                revision: self.src.revision,
                file: file.name,
                expected,
                actual: got,
            }
            .into());
        }
        if file.sha256.is_none() {
            debug!(file = file.name, sha256 = %actual, "no checksum pinned; trusting the revision");
        }
        self.progress(file, done, done);
        Ok(actual)
    }

    fn copy_body(
        &mut self,
        file: &HubFile,
        body: &mut impl Read,
        part: &mut File,
        hasher: &mut Sha256,
        done: &mut u64,
        total: Option<u64>,
    ) -> Result<(), CopyError> {
        let mut buf = vec![0u8; BUF_SIZE];
        let mut reported = *done;
        loop {
            // One byte past the expected size is enough to know the body is wrong.
            let left = total.map_or(u64::MAX, |t| (t + 1).saturating_sub(*done));
            let want = left.min(BUF_SIZE as u64) as usize;
            if want == 0 {
                return Ok(());
            }
            let n = match body.read(&mut buf[..want]) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(CopyError::Read(e)),
            };
            part.write_all(&buf[..n]).map_err(CopyError::Write)?;
            hasher.update(&buf[..n]);
            *done += n as u64;
            if *done - reported >= PROGRESS_STEP || total.is_some_and(|t| *done >= t) {
                reported = *done;
                self.progress(file, *done, total.unwrap_or(0));
            }
        }
    }
}

enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

/// Empties a part file whose content can't be continued; returns the new length (0).
fn restart(part: &mut File, hasher: &mut Sha256) -> io::Result<u64> {
    part.set_len(0)?;
    part.seek(SeekFrom::Start(0))?;
    *hasher = Sha256::new();
    Ok(0)
}

/// `Content-Range: bytes START-END/TOTAL` → (START, TOTAL unless `*`).
fn content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let range = value.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = range.split_once('/')?;
    let start = span.split('-').next()?.trim().parse().ok()?;
    Some((start, total.trim().parse().ok()))
}

/// Whether `path` is a file (following links) of the given size, if one is given.
pub(super) fn has_size(path: &Path, size: Option<u64>) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && size.is_none_or(|s| m.len() == s))
}

/// Makes `pointer` (in the snapshot) refer to `blob`, as `huggingface_hub` does.
fn link(blob: &Path, pointer: &Path, name: &str) -> io::Result<()> {
    // A stale entry (wrong size, dangling link) is replaced; we hold the blob's lock.
    match fs::symlink_metadata(pointer) {
        Ok(_) => fs::remove_file(pointer)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    #[cfg(unix)]
    {
        // Relative, so the cache can be moved or mounted elsewhere: up from the pointer's folder
        // (one level per path component of the name, plus `snapshots/`) to the repo folder.
        let mut target = PathBuf::new();
        for _ in 0..Path::new(name).components().count() + 1 {
            target.push("..");
        }
        target.push("blobs");
        target.push(blob.file_name().unwrap_or_default());
        std::os::unix::fs::symlink(target, pointer)
    }
    #[cfg(not(unix))]
    {
        // Symlinks need developer mode on Windows; a hard link (or a copy) serves as well.
        let _ = name;
        fs::hard_link(blob, pointer).or_else(|_| fs::copy(blob, pointer).map(|_| ()))
    }
}

/// Makes a rename durable; best effort, since not every platform can open a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        debug!(dir = %dir.display(), error = %e, "cannot sync directory");
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
