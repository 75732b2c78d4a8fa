//! Tests of chunking: fixed cases and properties over random texts.

use super::*;
use proptest::prelude::*;

fn section(heading: &str, start: usize, end: usize) -> Section {
    Section {
        heading: heading.into(),
        start,
        end,
    }
}

fn whole(text: &str) -> Vec<Section> {
    vec![section("", 0, text.chars().count())]
}

fn char_slice(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

fn config(max: usize, overlap: usize) -> ChunkConfig {
    ChunkConfig {
        max_chars: max,
        overlap_chars: overlap,
    }
}

/// The invariants every chunking must keep, whatever the text.
fn check_invariants(text: &str, sections: &[Section], cfg: &ChunkConfig) -> Vec<Chunk> {
    let chunks = chunk_with(text, sections, cfg);
    let total = text.chars().count();
    let mut covered = vec![false; total];
    let mut prev: Option<&Chunk> = None;
    for c in &chunks {
        assert!(c.start < c.end && c.end <= total, "bad range {c:?}");
        assert_eq!(char_slice(text, c.start, c.end), c.text, "offsets of {c:?}");
        assert_eq!(c.text.trim(), c.text, "untrimmed {c:?}");
        let len = c.text.chars().count();
        if len > cfg.max_chars {
            assert_eq!(c.text.graphemes(true).count(), 1, "oversized {c:?}");
        }
        if let Some(p) = prev {
            assert!(
                p.start <= c.start && p.end < c.end,
                "out of order {p:?} {c:?}"
            );
        }
        covered[c.start..c.end].iter_mut().for_each(|x| *x = true);
        prev = Some(c);
    }
    for (i, ch) in text.chars().enumerate() {
        assert!(
            ch.is_whitespace() || covered[i],
            "char {i} {ch:?} not covered"
        );
    }
    chunks
}

#[test]
fn short_text_is_one_trimmed_chunk() {
    let text = "\n  Hello, world.  \n";
    let chunks = chunk(text, &whole(text));
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].text, "Hello, world.");
    assert_eq!((chunks[0].start, chunks[0].end), (3, 16));
}

#[test]
fn empty_and_blank_texts_have_no_chunks() {
    assert!(chunk("", &[]).is_empty());
    assert!(chunk(" \n\t ", &whole(" \n\t ")).is_empty());
}

#[test]
fn cuts_at_paragraph_breaks_first() {
    let p1 = "First paragraph sentence one. ".repeat(10); // 300 chars
    let p2 = "Second paragraph goes on. ".repeat(10); // 260 chars
    let text = format!("{}\n\n{}", p1.trim(), p2.trim());
    let chunks = check_invariants(&text, &whole(&text), &ChunkConfig::default());
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks[0].text, p1.trim());
    // The second passage starts with whole sentences of the first as overlap.
    assert!(
        chunks[1].text.starts_with("First paragraph"),
        "{:?}",
        chunks[1]
    );
    assert!(chunks[1].text.ends_with(p2.trim()));
    assert!(chunks[1].text.chars().count() <= MAX_CHUNK_CHARS);
}

#[test]
fn long_paragraph_is_cut_at_sentences_with_sentence_overlap() {
    let sentences: Vec<String> = (0..40)
        .map(|i| format!("Sentence number {i} is short."))
        .collect();
    let text = sentences.join(" ");
    let chunks = check_invariants(&text, &whole(&text), &ChunkConfig::default());
    assert!(chunks.len() >= 2);
    for c in &chunks {
        assert!(c.text.starts_with("Sentence number"), "{c:?}");
        assert!(c.text.ends_with("short."), "{c:?}");
    }
    // Overlap: the second chunk starts before the first ends.
    assert!(chunks[1].start < chunks[0].end);
    let overlap = chunks[0].end - chunks[1].start;
    assert!(overlap <= OVERLAP_CHARS, "overlap {overlap}");
}

#[test]
fn hard_wrapped_prose_is_cut_at_sentences_not_lines() {
    let sentence = "This sentence is wrapped over\ntwo lines of text. ";
    let text = sentence.repeat(30);
    let chunks = check_invariants(&text, &whole(&text), &ChunkConfig::default());
    for c in &chunks {
        assert!(c.text.starts_with("This sentence"), "{c:?}");
        assert!(c.text.ends_with("text."), "{c:?}");
    }
}

#[test]
fn lists_are_cut_at_lines() {
    let text = (0..60)
        .map(|i| format!("item number {i} without a full stop"))
        .collect::<Vec<_>>()
        .join("\n");
    let chunks = check_invariants(&text, &whole(&text), &ChunkConfig::default());
    for c in &chunks {
        assert!(c.text.starts_with("item number"), "{c:?}");
        assert!(c.text.ends_with("full stop"), "{c:?}");
    }
}

#[test]
fn sentence_free_text_is_cut_at_words() {
    let text = "word ".repeat(300);
    let chunks = check_invariants(&text, &whole(&text), &ChunkConfig::default());
    for c in &chunks {
        assert!(c.text.split(' ').all(|w| w == "word"), "{c:?}");
    }
}

#[test]
fn huge_word_is_hard_split() {
    let text = "x".repeat(1300);
    let chunks = check_invariants(&text, &whole(&text), &ChunkConfig::default());
    assert_eq!(chunks.len(), 3);
    assert!(chunks.iter().all(|c| c.text.len() <= MAX_CHUNK_CHARS));
}

#[test]
fn huge_grapheme_is_kept_whole() {
    let zalgo = format!("a{}", "\u{301}".repeat(30));
    let text = format!("{zalgo} b");
    let chunks = check_invariants(&text, &whole(&text), &config(10, 3));
    assert_eq!(chunks[0].text, zalgo);
    assert_eq!(chunks.last().unwrap().text, "b");
}

#[test]
fn chunks_never_cross_headings() {
    let text = "Intro text.\n\nBudget\n\nTiles cost 400.\n\nPlan\n\nStart in May.";
    let budget = text.find("Budget").unwrap();
    let plan = text.find("Plan").unwrap();
    let sections = vec![
        section("", 0, budget),
        section("Kitchen › Budget", budget, plan),
        section("Kitchen › Plan", plan, text.len()),
    ];
    let chunks = check_invariants(text, &sections, &ChunkConfig::default());
    let got: Vec<(&str, &str)> = chunks
        .iter()
        .map(|c| (c.heading.as_str(), c.text.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("", "Intro text."),
            ("Kitchen › Budget", "Budget\n\nTiles cost 400."),
            ("Kitchen › Plan", "Plan\n\nStart in May."),
        ]
    );
}

#[test]
fn sections_with_gaps_and_overlaps_still_cover_everything() {
    let text = "alpha beta gamma delta epsilon zeta eta theta";
    let sections = vec![
        section("B", 20, 30),
        section("A", 5, 25),
        section("Z", 100, 200),
    ];
    let chunks = check_invariants(text, &sections, &config(12, 4));
    assert_eq!(chunks.first().unwrap().heading, "");
    assert!(chunks.iter().any(|c| c.heading == "A"));
}

#[test]
fn tiny_tail_is_merged_when_it_fits() {
    // A paragraph cut leaves room: the few words after it join the previous passage.
    let p1 = "Aaaa bbbb cccc. ".repeat(20); // 320 chars
    let p2 = "Dddd eeee ffff. ".repeat(12); // 192 chars
    let text = format!("{}\n\n{}\n\nEnd.", p1.trim(), p2.trim());
    let chunks = check_invariants(&text, &whole(&text), &ChunkConfig::default());
    assert!(chunks.last().unwrap().text.chars().count() > "End.".len());
    assert!(chunks.last().unwrap().text.ends_with("End."));
}

#[test]
fn offsets_are_in_chars_not_bytes() {
    let text = "Café crème brûlée. ".repeat(60);
    let chunks = check_invariants(&text, &whole(&text), &ChunkConfig::default());
    assert!(chunks.len() > 1);
}

fn text_strategy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-zé]{1,12}",
        2 => Just(" ".to_string()),
        1 => Just(". ".to_string()),
        1 => Just("\n".to_string()),
        1 => Just("\n\n".to_string()),
        1 => Just("\u{301}".to_string()),
        1 => Just("日本語".to_string()),
        1 => "x{20,60}",
        1 => "\\PC{1,8}",
        1 => Just("\r\n\t ".to_string()),
    ];
    proptest::collection::vec(piece, 0..120).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn prop_invariants_hold(
        text in text_strategy(),
        max in 1usize..80,
        overlap in 0usize..30,
        cuts in proptest::collection::vec(0usize..400, 0..4),
    ) {
        let total = text.chars().count();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(total)).collect();
        cuts.sort_unstable();
        let mut sections = Vec::new();
        let mut start = 0;
        for (i, c) in cuts.into_iter().chain([total]).enumerate() {
            sections.push(section(&format!("h{i}"), start, c));
            start = c;
        }
        check_invariants(&text, &sections, &config(max, overlap));
    }

    #[test]
    fn prop_default_config_invariants_hold(text in text_strategy()) {
        let long = text.repeat(8);
        check_invariants(&long, &whole(&long), &ChunkConfig::default());
    }
}
