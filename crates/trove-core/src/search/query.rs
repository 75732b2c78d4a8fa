//! Turns what a person typed into an FTS5 query.
//!
//! Syntax: words (all must match; if none matches everything, any may), `"exact phrases"`, and
//! `prefix*`. Every word is quoted before it reaches FTS5, so punctuation in a query ("ZX-44",
//! "c++", an apostrophe) can never be a syntax error: FTS5 tokenises the quoted text exactly as
//! it tokenised the documents.

/// One searchable unit of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Word(String),
    Prefix(String),
    Phrase(String),
}

/// Words that carry no meaning on their own; dropped when falling back to "any word".
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has",
    "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my",
    "of", "on", "or", "our", "she", "so", "some", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "those", "to", "up", "us", "was", "we", "were", "what",
    "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
];

pub fn parse(input: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut rest = input;
    while let Some(start) = rest.find('"') {
        words(&rest[..start], &mut terms);
        let after = &rest[start + 1..];
        let (phrase, next) = match after.find('"') {
            Some(end) => (&after[..end], &after[end + 1..]),
            None => (after, ""),
        };
        if searchable(phrase) {
            terms.push(Term::Phrase(phrase.trim().to_string()));
        }
        rest = next;
    }
    words(rest, &mut terms);
    terms
}

fn words(text: &str, terms: &mut Vec<Term>) {
    for word in text.split_whitespace() {
        match word.strip_suffix('*') {
            Some(stem) if searchable(stem) => terms.push(Term::Prefix(stem.to_string())),
            _ if searchable(word) => terms.push(Term::Word(word.to_string())),
            _ => {}
        }
    }
}

/// A term FTS5 can match must contain a letter or digit (emoji and punctuation tokenise to
/// nothing, and an empty phrase is an error).
fn searchable(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn render(term: &Term) -> String {
    match term {
        Term::Word(w) | Term::Phrase(w) => quote(w),
        Term::Prefix(p) => format!("{}*", quote(p)),
    }
}

/// All terms must match.
pub fn all_of(terms: &[Term]) -> Option<String> {
    (!terms.is_empty()).then(|| terms.iter().map(render).collect::<Vec<_>>().join(" AND "))
}

/// Any term may match; stop words are dropped unless nothing else is left.
pub fn any_of(terms: &[Term]) -> Option<String> {
    let meaningful: Vec<&Term> = terms
        .iter()
        .filter(|t| !matches!(t, Term::Word(w) if STOPWORDS.contains(&w.to_lowercase().as_str())))
        .collect();
    let chosen: Vec<&Term> = if meaningful.is_empty() {
        terms.iter().collect()
    } else {
        meaningful
    };
    (!chosen.is_empty()).then(|| {
        chosen
            .into_iter()
            .map(render)
            .collect::<Vec<_>>()
            .join(" OR ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_and_prefixes() {
        assert_eq!(
            parse(r#"ramen "sync protocol" budg* ZX-44"#),
            vec![
                Term::Word("ramen".into()),
                Term::Phrase("sync protocol".into()),
                Term::Prefix("budg".into()),
                Term::Word("ZX-44".into()),
            ]
        );
    }

    #[test]
    fn unclosed_quote_is_a_phrase_to_the_end() {
        assert_eq!(
            parse(r#"a "b c"#),
            vec![Term::Word("a".into()), Term::Phrase("b c".into())]
        );
    }

    #[test]
    fn odd_input_never_yields_fts_syntax() {
        for input in [
            "",
            "   ",
            "🙂🙂",
            "*",
            "\"\"",
            "-",
            "AND OR NOT",
            "a\"b",
            "NEAR(x y)",
        ] {
            let terms = parse(input);
            if let Some(q) = all_of(&terms) {
                // Every term is a quoted string (optionally with a prefix star), joined by AND.
                for part in q.split(" AND ") {
                    assert!(
                        part.starts_with('"') && (part.ends_with('"') || part.ends_with("\"*")),
                        "{q}"
                    );
                }
            }
        }
        assert_eq!(all_of(&parse("🙂 *")), None);
    }

    #[test]
    fn a_quote_inside_a_word_starts_a_phrase() {
        assert_eq!(all_of(&parse("it\"s")).unwrap(), "\"it\" AND \"s\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn any_of_drops_stopwords_unless_alone() {
        assert_eq!(
            any_of(&parse("the ramen of Osaka")).unwrap(),
            "\"ramen\" OR \"Osaka\""
        );
        assert_eq!(any_of(&parse("the")).unwrap(), "\"the\"");
    }
}
