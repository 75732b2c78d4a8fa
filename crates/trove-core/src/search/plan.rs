//! Query planning: from what a search asks for (words, a photo to search like, or both) to what
//! runs. The plan names the vector each group is matched with and the model it belongs to,
//! leaves the query photo out of its own results, and decides the mode, the notices and the
//! limits the answer reports. The facade only gathers the inputs (the words' vectors from the
//! serving models, the query photo's vector) and [`run`](super::run) carries the plan out.

use crate::error::Result;
use crate::types::{Kind, Limitation, Mode, Notice};

/// A vector to match one group with.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryVector {
    /// The model whose vectors this one is comparable with (and whose index it searches).
    pub model: String,
    pub vector: Vec<f32>,
    /// Made from words alone. A model's calibrated cutoff holds for text queries: a photo's
    /// similarities lie on another scale, so matches by a photo are never hidden.
    pub from_words: bool,
}

/// The words of a query, embedded by each serving model (each tagged with the model, whose
/// stored vectors it matches).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WordVectors {
    /// By the bridge model (comparable with photos and notes).
    pub bridge: Option<(String, Vec<f32>)>,
    /// By the text model (comparable with notes).
    pub text: Option<(String, Vec<f32>)>,
}

/// The photo a query searches like: its bridge vector and, when it is in the library, its
/// content (left out of its own results).
#[derive(Debug, Clone)]
pub struct PhotoQuery {
    pub model: String,
    pub vector: Vec<f32>,
    pub same: Option<i64>,
}

impl PhotoQuery {
    /// The photo's own vector, to match a group with.
    fn query_vector(&self) -> QueryVector {
        QueryVector {
            model: self.model.clone(),
            vector: self.vector.clone(),
            from_words: false,
        }
    }
}

/// What a search will do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The query's words, trimmed ("" for none).
    pub words: String,
    /// The vector photos are matched with by meaning.
    pub photos: Option<QueryVector>,
    /// The vector notes are matched with by meaning.
    pub notes: Option<QueryVector>,
    /// The content of the query photo, which is not a result.
    pub exclude: Option<i64>,
    by_photo: bool,
}

impl Plan {
    /// Photos are matched with the words' bridge vector, the photo's vector, or, both given,
    /// `combine(photo, words)`. Notes: words by the text model (else the bridge); a photo alone
    /// by the bridge.
    pub fn new(
        words: &str,
        vectors: WordVectors,
        photo: Option<PhotoQuery>,
        combine: impl FnOnce(&PhotoQuery, &[f32]) -> Result<Vec<f32>>,
    ) -> Result<Plan> {
        let photos = match (&photo, &vectors.bridge) {
            (Some(p), Some((_, words))) => Some(QueryVector {
                model: p.model.clone(),
                vector: combine(p, words)?,
                from_words: false,
            }),
            (Some(p), None) => Some(p.query_vector()),
            (None, Some((model, words))) => Some(QueryVector {
                model: model.clone(),
                vector: words.clone(),
                from_words: true,
            }),
            (None, None) => None,
        };
        let notes = match (vectors.text, vectors.bridge) {
            (Some((model, vector)), _) | (None, Some((model, vector))) => Some(QueryVector {
                model,
                vector,
                from_words: true,
            }),
            (None, None) => photo.as_ref().map(PhotoQuery::query_vector),
        };
        Ok(Plan {
            words: words.trim().to_string(),
            photos,
            notes,
            exclude: photo.as_ref().and_then(|p| p.same),
            by_photo: photo.is_some(),
        })
    }

    /// How results are found, given whether any group can match by meaning (a model recorded
    /// as serving may have no vectors of this library yet).
    pub fn mode(&self, by_meaning: bool) -> Mode {
        match (self.by_photo, self.words.is_empty()) {
            (true, true) => Mode::Similar,
            (true, false) => Mode::Composite,
            (false, _) if by_meaning => Mode::Hybrid,
            (false, _) => Mode::Keyword,
        }
    }

    /// What a match by meaning is called in a result's reasons.
    pub fn semantic_label(&self) -> &'static str {
        if self.by_photo && self.words.is_empty() {
            "similar"
        } else {
            "meaning"
        }
    }

    /// The notice for words with nothing to match by keyword (no letters or digits).
    pub fn words_notice(&self, by_meaning: bool) -> Option<Notice> {
        (!self.words.is_empty() && super::query::parse(&self.words).is_empty())
            .then_some(Notice::NoKeywordWords { by_meaning })
    }

    /// What limits the results, given which groups matched by meaning. A search by photo has
    /// a model by definition; one for notes only is not limited by the lack of an image model.
    pub fn limitation(
        &self,
        photos_by_meaning: bool,
        notes_by_meaning: bool,
        kind: Option<Kind>,
    ) -> Option<Limitation> {
        match (photos_by_meaning, notes_by_meaning) {
            _ if self.by_photo => None,
            (false, false) => Some(Limitation::KeywordOnly),
            (false, true) if kind != Some(Kind::Note) => Some(Limitation::PhotosByNameOnly),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(bridge: bool, text: bool) -> WordVectors {
        WordVectors {
            bridge: bridge.then(|| ("clip".to_string(), vec![1.0, 0.0])),
            text: text.then(|| ("minilm".to_string(), vec![0.0, 1.0, 0.0])),
        }
    }

    fn photo(same: Option<i64>) -> PhotoQuery {
        PhotoQuery {
            model: "clip".into(),
            vector: vec![0.0, 1.0],
            same,
        }
    }

    fn never(_: &PhotoQuery, _: &[f32]) -> Result<Vec<f32>> {
        panic!("nothing to combine")
    }

    #[test]
    fn words_match_photos_by_the_bridge_and_notes_by_the_text_model() {
        let plan = Plan::new(" red fox ", words(true, true), None, never).unwrap();
        let photos = plan.photos.as_ref().unwrap();
        let notes = plan.notes.as_ref().unwrap();
        assert_eq!((photos.model.as_str(), photos.from_words), ("clip", true));
        assert_eq!((notes.model.as_str(), notes.from_words), ("minilm", true));
        assert_eq!(plan.words, "red fox");
        assert_eq!(plan.mode(true), Mode::Hybrid);
        assert_eq!(plan.mode(false), Mode::Keyword);
        assert_eq!(plan.semantic_label(), "meaning");
        assert_eq!(plan.exclude, None);
    }

    #[test]
    fn without_a_text_model_notes_are_matched_by_the_bridge() {
        let plan = Plan::new("fox", words(true, false), None, never).unwrap();
        assert_eq!(plan.notes.unwrap().model, "clip");
    }

    #[test]
    fn a_photo_alone_is_similar_and_never_cut_off() {
        let plan = Plan::new("", WordVectors::default(), Some(photo(Some(7))), never).unwrap();
        assert_eq!(plan.photos.as_ref().unwrap().vector, vec![0.0, 1.0]);
        assert!(!plan.photos.as_ref().unwrap().from_words);
        assert!(!plan.notes.as_ref().unwrap().from_words);
        assert_eq!(plan.exclude, Some(7));
        assert_eq!(plan.mode(true), Mode::Similar);
        assert_eq!(plan.semantic_label(), "similar");
        assert_eq!(plan.limitation(false, false, None), None);
    }

    #[test]
    fn a_photo_and_words_combine_for_photos_and_words_alone_find_notes() {
        let plan = Plan::new("fox", words(true, true), Some(photo(None)), |p, w| {
            Ok(p.vector.iter().zip(w).map(|(a, b)| a + b).collect())
        })
        .unwrap();
        assert_eq!(plan.photos.as_ref().unwrap().vector, vec![1.0, 1.0]);
        assert_eq!(plan.notes.as_ref().unwrap().model, "minilm");
        assert_eq!(plan.mode(true), Mode::Composite);
        assert_eq!(plan.semantic_label(), "meaning");
    }

    #[test]
    fn words_without_letters_or_digits_get_a_notice() {
        let plan = Plan::new("?!", WordVectors::default(), None, never).unwrap();
        assert_eq!(
            plan.words_notice(false),
            Some(Notice::NoKeywordWords { by_meaning: false })
        );
        let plan = Plan::new("fox", WordVectors::default(), None, never).unwrap();
        assert_eq!(plan.words_notice(false), None);
    }

    #[test]
    fn the_limitation_says_what_had_no_model() {
        let plan = Plan::new("fox", WordVectors::default(), None, never).unwrap();
        assert_eq!(
            plan.limitation(false, false, None),
            Some(Limitation::KeywordOnly)
        );
        assert_eq!(
            plan.limitation(false, true, None),
            Some(Limitation::PhotosByNameOnly)
        );
        assert_eq!(plan.limitation(false, true, Some(Kind::Note)), None);
        assert_eq!(plan.limitation(true, true, None), None);
    }
}
