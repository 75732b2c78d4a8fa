//! Tokenization: text → token ids, with each family's rules on top of the model's own
//! `tokenizer.json` (read by the `tokenizers` crate, the same Rust code `transformers`' fast
//! tokenizers run).
//!
//! `tokenizer.json` files carry the vocabulary, normaliser (CLIP's lower-cases) and special
//! tokens but usually no truncation or padding: those live in Python code. So they are set here
//! from the registry's [`TextRules`]: CLIP truncates to 77 tokens (the tokenizer truncates
//! *before* adding the end-of-text token, so it is never cut off) and pads a batch to its
//! longest text; SigLIP always pads to its full 64 tokens because it pools the last position.

use std::path::Path;

use tokenizers::{
    ModelWrapper, PaddingDirection, PaddingParams, PaddingStrategy, Tokenizer, TruncationParams,
};

use super::EmbedError;
use super::models::TextRules;

/// A batch of tokenized texts, row-major `batch × len`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub ids: Vec<u32>,
    /// 1 for real tokens, 0 for padding.
    pub mask: Vec<u32>,
    pub batch: usize,
    pub len: usize,
}

impl Tokens {
    #[cfg(any(test, feature = "internals"))]
    pub fn row(&self, i: usize) -> &[u32] {
        &self.ids[i * self.len..(i + 1) * self.len]
    }
}

/// Whether text is a search query or a passage to be found (e5-style models prefix them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Query,
    Passage,
}

pub struct TextTokenizer {
    tokenizer: Tokenizer,
    rules: TextRules,
}

/// Padding tokens by convention, for tokenizers whose files do not say which to use.
const PAD_CANDIDATES: &[&str] = &["[PAD]", "<pad>", "<|endoftext|>", "</s>"];

impl TextTokenizer {
    /// Loads `tokenizer.json` from a model folder; `tokenizer_config.json` beside it, when
    /// present, names the padding token.
    pub fn load(dir: &Path, rules: TextRules) -> Result<TextTokenizer, EmbedError> {
        let path = dir.join("tokenizer.json");
        let vocab = dir.join("vocab.txt");
        let loaded = if !path.exists() && vocab.exists() {
            wordpiece(&vocab)
        } else {
            Tokenizer::from_file(&path)
        };
        let mut tokenizer = loaded.map_err(|e| EmbedError::Model {
            path: path.clone(),
            message: format!("unreadable tokenizer: {e}"),
        })?;
        let pad_token = configured_pad_token(dir)
            .filter(|t| tokenizer.token_to_id(t).is_some())
            .or_else(|| {
                tokenizer
                    .get_padding()
                    .map(|p| p.pad_token.clone())
                    .filter(|t| tokenizer.token_to_id(t).is_some())
            })
            .or_else(|| {
                PAD_CANDIDATES
                    .iter()
                    .find(|t| tokenizer.token_to_id(t).is_some())
                    .map(|t| t.to_string())
            })
            .ok_or_else(|| EmbedError::Model {
                path: path.clone(),
                message: "the tokenizer has no padding token".into(),
            })?;
        let pad_id = tokenizer.token_to_id(&pad_token).unwrap_or(0);
        tokenizer.with_padding(Some(PaddingParams {
            direction: PaddingDirection::Right,
            pad_to_multiple_of: None,
            pad_id,
            pad_type_id: 0,
            pad_token,
            ..PaddingParams::default()
        }));
        let mut loaded = TextTokenizer { tokenizer, rules };
        loaded
            .set_rules(rules)
            .map_err(|message| EmbedError::Model {
                path: path.clone(),
                message,
            })?;
        Ok(loaded)
    }

    /// Applies `rules`: truncation, and padding to the context or to the batch's longest.
    pub fn set_rules(&mut self, rules: TextRules) -> Result<(), String> {
        self.tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: rules.context,
                ..TruncationParams::default()
            }))
            .map_err(|e| format!("cannot set truncation: {e}"))?;
        if let Some(padding) = self.tokenizer.get_padding_mut() {
            padding.strategy = if rules.pad_to_context {
                PaddingStrategy::Fixed(rules.context)
            } else {
                PaddingStrategy::BatchLongest
            };
        }
        self.rules = rules;
        Ok(())
    }

    /// Whether the vocabulary is a BPE one (Gemma's, for SigLIP 2) rather than SentencePiece's
    /// Unigram (SigLIP's): the one difference a SigLIP folder shows between the two.
    pub fn is_bpe(&self) -> bool {
        matches!(self.tokenizer.get_model(), ModelWrapper::BPE(_))
    }

    #[cfg(any(test, feature = "internals"))]
    pub fn rules(&self) -> &TextRules {
        &self.rules
    }

    /// Tokenizes a batch (never empty strings' worth of nothing: every row has the special
    /// tokens at least).
    pub fn encode(&self, texts: &[&str], purpose: Purpose) -> Result<Tokens, EmbedError> {
        let prefix = match purpose {
            Purpose::Query => self.rules.query_prefix,
            Purpose::Passage => self.rules.passage_prefix,
        };
        let inputs: Vec<String> = texts
            .iter()
            .map(|t| {
                let mut t = format!("{prefix}{t}");
                if self.rules.strip_punctuation {
                    t = canonicalize(&t);
                }
                if self.rules.lowercase {
                    t = t.to_lowercase();
                }
                t
            })
            .collect();
        let encodings = self
            .tokenizer
            .encode_batch(inputs, true)
            .map_err(|e| EmbedError::Tokenize(e.to_string()))?;
        let len = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(len * encodings.len());
        let mut mask = Vec::with_capacity(len * encodings.len());
        for e in &encodings {
            if e.get_ids().len() != len {
                return Err(EmbedError::Tokenize("ragged batch after padding".into()));
            }
            ids.extend_from_slice(e.get_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        Ok(Tokens {
            ids,
            mask,
            batch: encodings.len(),
            len,
        })
    }
}

/// SigLIP's text canonicalisation (`SiglipTokenizer.canonicalize_text`): Python's
/// `string.punctuation` removed, runs of whitespace made one space, ends trimmed.
fn canonicalize(text: &str) -> String {
    let kept: String = text.chars().filter(|c| !c.is_ascii_punctuation()).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A BERT tokenizer built from a WordPiece `vocab.txt`, for repositories that ship no
/// `tokenizer.json` (Chinese-CLIP): what `transformers`' `BertTokenizerFast` builds from the
/// same file — lower-casing, accents kept, CJK characters split, `[CLS] … [SEP]`.
fn wordpiece(vocab: &Path) -> tokenizers::Result<Tokenizer> {
    use tokenizers::models::wordpiece::WordPiece;
    use tokenizers::normalizers::bert::BertNormalizer;
    use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
    use tokenizers::processors::bert::BertProcessing;

    let path = vocab.to_str().ok_or("the vocabulary path is not UTF-8")?;
    let model = WordPiece::from_file(path)
        .unk_token("[UNK]".into())
        .build()?;
    let mut tokenizer = Tokenizer::new(model);
    let id = |t: &str| -> tokenizers::Result<u32> {
        tokenizer
            .token_to_id(t)
            .ok_or_else(|| format!("vocab.txt has no {t}").into())
    };
    let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
    tokenizer
        .with_normalizer(Some(BertNormalizer::new(true, true, None, true)))
        .with_pre_tokenizer(Some(BertPreTokenizer))
        .with_post_processor(Some(BertProcessing::new(
            ("[SEP]".into(), sep),
            ("[CLS]".into(), cls),
        )));
    Ok(tokenizer)
}

/// `pad_token` from `tokenizer_config.json`: a string, or `{"content": …}`.
fn configured_pad_token(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("tokenizer_config.json")).ok()?;
    let config: serde_json::Value = serde_json::from_str(&text).ok()?;
    match config.get("pad_token")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(o) => o.get("content")?.as_str().map(str::to_owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn siglip_canonicalisation_matches_python() {
        assert_eq!(
            super::canonicalize("  A Grey CAT, sitting on a   Wooden table!!  "),
            "A Grey CAT sitting on a Wooden table"
        );
        assert_eq!(super::canonicalize("café — naïve"), "café — naïve");
    }
}
