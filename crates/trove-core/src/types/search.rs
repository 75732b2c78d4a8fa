//! A search's filters and its results, with why each result matched.

use serde::{Deserialize, Serialize};

/// Filters applied before ranking: a match beyond the unfiltered top results is still found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Filters {
    /// Only files under this folder: an OS path, which need not be UTF-8 (in JSON a string,
    /// written lossily where it is not UTF-8).
    #[serde(
        rename = "in",
        skip_serializing_if = "Option::is_none",
        serialize_with = "lossy_path"
    )]
    #[ts(as = "Option<String>", optional)]
    pub folder: Option<std::path::PathBuf>,
    /// On or after this date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS): a photo's
    /// EXIF date when it has one, else the file's modification time.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub after: Option<String>,
    /// Before this date (same forms as `after`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub before: Option<String>,
    /// Photos whose camera make or model contains this text (any case).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub camera: Option<String>,
    /// Only photos with GPS coordinates.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub has_gps: bool,
}

fn lossy_path<S: serde::Serializer>(
    path: &Option<std::path::PathBuf>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    path.as_ref()
        .map(|p| p.to_string_lossy())
        .serialize(serializer)
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SearchResults {
    pub query: String,
    pub mode: Mode,
    pub photos: Vec<PhotoHit>,
    pub notes: Vec<NoteHit>,
    /// Matches below the relevance cutoff left out (shown with `all`).
    pub hidden: Hidden,
    /// The filters that narrowed the candidates, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub filters: Vec<String>,
    /// What the user should know about this search (e.g. it has no searchable words), for each
    /// front end to word.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<Notice>>", optional)]
    pub notices: Vec<Notice>,
    /// What limits these results (e.g. no model has embedded the library yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub limitation: Option<Limitation>,
}

/// How results were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// BM25 over note text, file names and photo metadata.
    Keyword,
    /// Keyword and meaning, fused per group.
    Hybrid,
    /// A photo and words together.
    Composite,
    /// A photo alone.
    Similar,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Keyword => "keyword",
            Mode::Hybrid => "hybrid",
            Mode::Composite => "composite",
            Mode::Similar => "similar",
        }
    }
}

/// A mode compares equal to its name, as it is written in JSON.
impl PartialEq<&str> for Mode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Something a person should know about a search's answer. Typed, not worded: each front end
/// says it in its own terms (the CLI names its flags, the app its buttons).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// Neither words nor a photo: nothing to search for.
    EmptyQuery,
    /// The query has words, but none of letters or digits to match by keyword; `by_meaning`:
    /// it was still matched by meaning.
    NoKeywordWords { by_meaning: bool },
    /// The query photo is in the library at these paths (its copies): not a result.
    SamePhoto { paths: Vec<String> },
    /// Nothing matched closely enough to be shown; `hidden` weaker matches were left out.
    AllTooWeak { hidden: usize },
}

/// What limits a search's results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Limitation {
    /// No model has embedded the library yet: keyword matches only.
    KeywordOnly,
    /// No image model has embedded it yet: photos match by name and metadata only.
    PhotosByNameOnly,
}

/// Results per group that matched too weakly to be shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Hidden {
    pub photos: usize,
    pub notes: usize,
}

/// Why a result matched.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct Why {
    /// The query's words matched (BM25).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub keyword: Option<KeywordMatch>,
    /// The query's meaning matched (cosine similarity of the model's vectors).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub semantic: Option<SemanticMatch>,
    /// How the result passed each filter ("taken 2019-07-12 (EXIF)", "in ~/Photos").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub filters: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct KeywordMatch {
    /// 1 = the best keyword match of its group.
    pub rank: usize,
    /// BM25 score (higher is better).
    pub score: f64,
    /// Fields the words matched: "text", "title", "name", "metadata".
    pub fields: Vec<&'static str>,
    /// Every word matched (false: none matched them all, and this has some of them).
    pub all_words: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SemanticMatch {
    /// 1 = the closest in meaning of its group.
    pub rank: usize,
    /// Cosine similarity, -1..=1.
    pub score: f64,
    pub model: String,
    /// The model's calibrated relevance cutoff for this group, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cutoff: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PhotoHit {
    pub id: i64,
    pub path: String,
    pub name: String,
    /// Ranking score: BM25 for keyword search, cosine similarity for a photo query, the fused
    /// score (reciprocal-rank fusion) for hybrid search. Compare within one result list only.
    pub score: f64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub taken_at: Option<String>,
    pub camera: Option<String>,
    /// Which fields the query matched: "name", "metadata", "meaning", "similar".
    pub matched: Vec<&'static str>,
    pub why: Why,
    /// Weaker than the relevance cutoff (listed only when all results were asked for).
    pub below_cutoff: bool,
    /// Other paths with identical bytes (shown once).
    pub copies: Vec<String>,
    /// The camera RAW file of the same shot (same folder and name, a RAW extension), shown as
    /// this photo rather than as a second one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub raw: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct NoteHit {
    pub id: i64,
    pub path: String,
    pub title: String,
    /// Ranking score, as for photos.
    pub score: f64,
    /// The best matching passage, shortened.
    pub snippet: String,
    /// Matched words in `snippet`, as `[start, end)` offsets in characters.
    pub highlights: Vec<[usize; 2]>,
    /// Heading path of the passage ("Budget › Kitchen").
    pub heading: String,
    /// Which fields the query matched: "text", "title", "name", "meaning", "similar".
    pub matched: Vec<&'static str>,
    pub why: Why,
    pub below_cutoff: bool,
    pub copies: Vec<String>,
}
