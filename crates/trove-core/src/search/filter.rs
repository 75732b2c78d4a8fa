//! Filters: which files a search may return, decided before anything is ranked.
//!
//! A search's filters (kind, folder, date, camera, GPS) become one SQL query over the indexed
//! files; its answer — the files and contents in scope — is handed to the keyword queries (as a
//! `rarray` table) and to the vector scan (as a predicate), so a match that would rank beyond
//! the unfiltered top results is still found. A photo's date is its EXIF date when it has one,
//! else its file's modification time; a note's date is its file's.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::paths;
use crate::store::find::{self, IdArray, ScopeQuery};
use crate::types::{Filters, Kind};

/// What a search may return. `None` sets mean "everything indexed".
#[derive(Debug, Default)]
pub struct Scope {
    pub files: Option<HashSet<i64>>,
    pub contents: Option<HashSet<i64>>,
    /// The filters in words, for the results.
    pub labels: Vec<String>,
    date: bool,
    camera: bool,
    gps: bool,
    folder: Option<String>,
}

impl Scope {
    pub fn unfiltered(&self) -> bool {
        self.files.is_none()
    }

    pub fn allows_content(&self, content: i64) -> bool {
        self.contents.as_ref().is_none_or(|c| c.contains(&content))
    }

    pub fn allows_file(&self, file: i64) -> bool {
        self.files.as_ref().is_none_or(|f| f.contains(&file))
    }

    /// The scope's files as an SQL `rarray` parameter.
    pub fn file_array(&self) -> Option<IdArray> {
        self.files.as_ref().map(find::id_array)
    }

    /// The scope's contents as an SQL `rarray` parameter.
    pub fn content_array(&self) -> Option<IdArray> {
        self.contents.as_ref().map(find::id_array)
    }

    /// How one file passed the filters ("taken 2019-07-12 (EXIF)"), for its explanation.
    pub fn explain(&self, conn: &Connection, file: i64) -> Result<Vec<String>> {
        let mut out = Vec::new();
        if self.unfiltered() {
            return Ok(out);
        }
        if let Some(folder) = &self.folder {
            out.push(format!("in {folder}"));
        }
        let facts = find::filter_facts(conn, file)?;
        if self.date {
            out.push(match facts.taken {
                Some(t) => format!("taken {} (EXIF)", t.get(..10).unwrap_or(&t)),
                None => format!(
                    "file date {}",
                    facts.modified.get(..10).unwrap_or(&facts.modified)
                ),
            });
        }
        if self.camera
            && let Some(camera) = facts.camera
        {
            out.push(format!("camera {camera}"));
        }
        if self.gps
            && let Some((lat, lon)) = facts.gps
        {
            out.push(format!("GPS {lat:.4}, {lon:.4}"));
        }
        Ok(out)
    }
}

/// The files and contents `filters` (and `kind`) allow.
pub fn scope(conn: &Connection, filters: &Filters, kind: Option<Kind>) -> Result<Scope> {
    let mut scope = Scope::default();
    let mut query = ScopeQuery {
        kind,
        ..Default::default()
    };
    if let Some(kind) = kind {
        scope.labels.push(format!("{}s only", kind.as_str()));
    }
    let folder = filters.folder.clone().filter(|f| !f.as_os_str().is_empty());
    if let Some(folder) = folder {
        let dir = folder_key(&folder)?;
        let shown = paths::display(&dir);
        query.paths = Some(paths::under_range(&dir));
        scope.labels.push(format!("in {shown}"));
        scope.folder = Some(shown);
    }
    if let Some(text) = filters.after.as_deref() {
        query.after = Some(parse_date(text)?);
        scope.labels.push(format!("on or after {text}"));
        scope.date = true;
    }
    if let Some(text) = filters.before.as_deref() {
        query.before = Some(parse_date(text)?);
        scope.labels.push(format!("before {text}"));
        scope.date = true;
    }
    if let Some(camera) = filters.camera.as_deref().filter(|c| !c.trim().is_empty()) {
        query.camera = Some(format!(
            "%{}%",
            camera
                .trim()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        ));
        scope.labels.push(format!("camera “{}”", camera.trim()));
        scope.camera = true;
    }
    if filters.has_gps {
        query.gps = true;
        scope.labels.push("with GPS".into());
        scope.gps = true;
    }
    // Kind alone needs no scope: photos and notes are separate groups, and a search for one
    // kind does not run the other group at all.
    let narrowed = query.paths.is_some()
        || query.after.is_some()
        || query.before.is_some()
        || query.camera.is_some()
        || query.gps;
    if !narrowed {
        return Ok(scope);
    }
    let (files, contents) = find::scope(conn, &query)?;
    scope.files = Some(files);
    scope.contents = Some(contents);
    Ok(scope)
}

/// Per content, the file (id, path) a result is shown by.
pub type Representatives = HashMap<i64, (i64, String)>;

/// The first file in scope of each content, for showing a result by a path that passed the
/// filters (a copy in another folder did not).
pub fn representatives(
    conn: &Connection,
    scope: &Scope,
    contents: &[i64],
) -> Result<Representatives> {
    let mut out = HashMap::new();
    for &content in contents {
        let first = find::indexed_files(conn, content)?
            .into_iter()
            .find(|(id, _)| scope.allows_file(*id));
        if let Some(first) = first {
            out.insert(content, first);
        }
    }
    Ok(out)
}

/// A folder as stored paths begin: canonical when it exists (as roots are stored), else as
/// typed, made absolute.
fn folder_key(dir: &Path) -> Result<PathBuf> {
    dir.canonicalize()
        .or_else(|_| std::path::absolute(dir))
        .map_err(|e| Error::Invalid(format!("folder {}: {e}", dir.display())))
}

/// A date or date-time as the SQL comparisons expect it: `YYYY-MM-DDTHH:MM:SS`.
fn parse_date(text: &str) -> Result<String> {
    let bad = || {
        Error::Invalid(format!(
            "“{text}” is not a date: use YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"
        ))
    };
    let t = text.trim();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let (y, m, d) = match parts.as_slice() {
        [y] if digits(y, 4) => (*y, "01", "01"),
        [y, m] if digits(y, 4) && digits(m, 2) => (*y, *m, "01"),
        [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => (*y, *m, *d),
        _ => return Err(bad()),
    };
    let (mn, dn): (u32, u32) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    if !(1..=12).contains(&mn) || !(1..=31).contains(&dn) {
        return Err(bad());
    }
    let time = match time {
        None => "00:00:00".to_string(),
        Some(tm) => {
            let fields: Vec<&str> = tm.split(':').collect();
            if !(2..=3).contains(&fields.len()) || !fields.iter().all(|f| digits(f, 2)) {
                return Err(bad());
            }
            let mut tm = fields.join(":");
            if fields.len() == 2 {
                tm.push_str(":00");
            }
            tm
        }
    };
    Ok(format!("{y}-{m}-{d}T{time}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (id, path, kind, mtime, taken_at, camera, latitude)
    type Row = (
        i64,
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<f64>,
    );

    /// Photos with and without EXIF dates, cameras and GPS, and a note, under /lib/a and /lib/b.
    fn library() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO roots(id, path, added_at) VALUES (1, CAST('/lib' AS BLOB), 0)",
            [],
        )
        .unwrap();
        let rows: [Row; 4] = [
            (
                1,
                "/lib/a/exif.jpg",
                "photo",
                "2024-03-01",
                Some("2019-07-12T14:03:22+02:00"),
                Some("Canon EOS 5D"),
                Some(48.1),
            ),
            (
                2,
                "/lib/a/plain.png",
                "photo",
                "2019-07-20",
                None,
                None,
                None,
            ),
            (
                3,
                "/lib/b/phone.jpg",
                "photo",
                "2024-03-01",
                Some("2023-01-05T09:00:00"),
                Some("Google Pixel 7"),
                None,
            ),
            (4, "/lib/b/note.md", "note", "2019-07-15", None, None, None),
        ];
        for (id, path, kind, mtime, taken, camera, lat) in rows {
            conn.execute(
                "INSERT INTO contents(id, hash, reader, kind, format, taken_at, camera, latitude, longitude)
                 VALUES (?1, ?1, 'x', ?2, 'x', ?3, ?4, ?5, ?5)",
                rusqlite::params![id, kind, taken, camera, lat],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO files(id, root_id, path, name, kind, size, mtime_ns, content_id, state, updated_at)
                 VALUES (?1, 1, CAST(?2 AS BLOB), ?2, ?3, 1, CAST(strftime('%s', ?4 || ' 12:00:00') AS INTEGER) * 1000000000, ?1, 'indexed', 0)",
                rusqlite::params![id, path, kind, mtime],
            )
            .unwrap();
        }
        conn
    }

    fn ids(conn: &Connection, filters: Filters, kind: Option<Kind>) -> Vec<i64> {
        let mut ids: Vec<i64> = scope(conn, &filters, kind)
            .unwrap()
            .files
            .unwrap()
            .into_iter()
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn exif_date_first_then_file_time() {
        let conn = library();
        // July 2019: the EXIF photo (taken then, copied in 2024), the note and the plain
        // photo by their file times; not the phone photo.
        let july = Filters {
            after: Some("2019-07".into()),
            before: Some("2019-08".into()),
            ..Default::default()
        };
        assert_eq!(ids(&conn, july.clone(), None), vec![1, 2, 4]);
        assert_eq!(ids(&conn, july, Some(Kind::Photo)), vec![1, 2]);
        let recent = Filters {
            after: Some("2023".into()),
            ..Default::default()
        };
        assert_eq!(ids(&conn, recent, None), vec![3]);
        let s = scope(
            &conn,
            &Filters {
                after: Some("2019".into()),
                ..Default::default()
            },
            None,
        )
        .unwrap();
        assert_eq!(
            s.explain(&conn, 1).unwrap(),
            vec!["taken 2019-07-12 (EXIF)"]
        );
        assert_eq!(s.explain(&conn, 2).unwrap(), vec!["file date 2019-07-20"]);
    }

    #[test]
    fn camera_gps_and_folder() {
        let conn = library();
        let camera = |c: &str| Filters {
            camera: Some(c.into()),
            ..Default::default()
        };
        assert_eq!(ids(&conn, camera("pixel"), None), vec![3]);
        assert_eq!(ids(&conn, camera("CANON eos"), None), vec![1]);
        assert_eq!(ids(&conn, camera("%"), None), Vec::<i64>::new());
        let gps = Filters {
            has_gps: true,
            ..Default::default()
        };
        assert_eq!(ids(&conn, gps, None), vec![1]);
        let folder = Filters {
            folder: Some("/lib/b".into()),
            ..Default::default()
        };
        assert_eq!(ids(&conn, folder, None), vec![3, 4]);
        // A folder whose name starts like another's is not inside it.
        let prefix = Filters {
            folder: Some("/lib/a/ex".into()),
            ..Default::default()
        };
        assert_eq!(ids(&conn, prefix, None), Vec::<i64>::new());
        assert!(
            scope(&conn, &Filters::default(), None)
                .unwrap()
                .unfiltered()
        );
    }

    #[test]
    fn dates_in_every_accepted_form() {
        assert_eq!(parse_date("2024").unwrap(), "2024-01-01T00:00:00");
        assert_eq!(parse_date("2024-06").unwrap(), "2024-06-01T00:00:00");
        assert_eq!(parse_date("2024-06-12").unwrap(), "2024-06-12T00:00:00");
        assert_eq!(
            parse_date("2024-06-12T10:30").unwrap(),
            "2024-06-12T10:30:00"
        );
        assert_eq!(
            parse_date("2024-06-12 10:30:15").unwrap(),
            "2024-06-12T10:30:15"
        );
        for bad in [
            "",
            "yesterday",
            "24-06-12",
            "2024-13",
            "2024-06-32",
            "2024-6-1",
        ] {
            let err = parse_date(bad).unwrap_err().to_string();
            assert!(err.contains("is not a date"), "{bad}: {err}");
        }
    }
}
