//! Chunking: cuts a note's plain text into overlapping passages sized for the embedding models.
//!
//! Owns the passage rules, not the models. A passage is at most [`ChunkConfig::max_chars`]
//! characters: the default, 512, is about the 128 word pieces all-MiniLM-L6-v2 was trained on.
//! CLIP's text tower reads only 77 tokens (~300 characters) and truncates the rest; passages are
//! sized for the text model, which is the one that serves text→note search and needs whole
//! thoughts, while the bridge model still sees each passage's opening. Passages
//!
//! - never cross a heading boundary (a [`Section`]), so every passage has one heading path;
//! - end at the last paragraph break that fills at least half a passage, else at the last
//!   sentence end that does, else at the last line break that does, else at the last word
//!   boundary, else (one enormous "word") at the last grapheme boundary — a grapheme is never
//!   split, so the only passage longer than the limit is one grapheme cluster that long;
//! - start with about [`ChunkConfig::overlap_chars`] characters of the previous passage, made
//!   of whole sentences where one starts in that window, else whole lines, else whole words,
//!   so that an idea cut at a passage boundary is still whole in one of the two passages;
//! - are trimmed of surrounding whitespace, and a tiny last piece of a section is merged into
//!   the passage before it when the result stays within the limit.
//!
//! All positions are computed on byte offsets (cheap slicing) and converted once to the
//! character offsets that [`Chunk`] promises (the store and the UI count characters).

use unicode_segmentation::UnicodeSegmentation;

use super::{Chunk, Section};

/// Default passage length limit, in characters.
pub const MAX_CHUNK_CHARS: usize = 512;
/// Default overlap between consecutive passages of one section, in characters.
pub const OVERLAP_CHARS: usize = 80;
/// A last piece of a section shorter than this is merged into the passage before it when the
/// merged passage keeps the limit: a few dangling words make a poor search result alone.
const MIN_TAIL_CHARS: usize = 64;
/// Context the segmenters see beyond a window's edge, so that a rule looking ahead (e.g. a
/// sentence that seems to end at "Mr.") is not fooled by the artificial end of the window.
const SEGMENT_CONTEXT_BYTES: usize = 64;

/// Passage sizing. `Default` is the one the pipeline uses; tests use small values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkConfig {
    pub max_chars: usize,
    pub overlap_chars: usize,
}

impl Default for ChunkConfig {
    fn default() -> Self {
        ChunkConfig {
            max_chars: MAX_CHUNK_CHARS,
            overlap_chars: OVERLAP_CHARS,
        }
    }
}

/// Cuts `text` into passages with the default [`ChunkConfig`].
///
/// `sections` are the heading-delimited spans of `text`, in character offsets. They may come
/// in any order, overlap or leave gaps: they are clamped to the text, overlaps go to the
/// earlier section, and text no section covers is chunked with an empty heading, so every
/// non-whitespace character of `text` ends up in some passage.
pub fn chunk(text: &str, sections: &[Section]) -> Vec<Chunk> {
    chunk_with(text, sections, &ChunkConfig::default())
}

/// [`chunk`] with explicit sizing.
pub fn chunk_with(text: &str, sections: &[Section], config: &ChunkConfig) -> Vec<Chunk> {
    let max = config.max_chars.max(1);
    // An overlap as long as a passage would leave no room for new text.
    let overlap = config.overlap_chars.min(max / 2);
    let mut chunks = Vec::new();
    let mut counter = CharCounter::default();
    for (start, end, heading) in byte_sections(text, sections) {
        let mut ranges = Vec::new();
        chunk_section(text, start, end, max, overlap, &mut ranges);
        for (a, b) in ranges {
            let start = counter.char_at(text, a);
            let end = counter.char_at(text, b);
            chunks.push(Chunk {
                text: text[a..b].to_string(),
                heading: heading.to_string(),
                start,
                end,
            });
        }
    }
    chunks
}

/// Normalises `sections` (character offsets, any order) into contiguous, non-overlapping byte
/// ranges covering the whole text, filling gaps with an empty heading.
fn byte_sections<'s>(text: &str, sections: &'s [Section]) -> Vec<(usize, usize, &'s str)> {
    let total = text.chars().count();
    let mut sorted: Vec<&Section> = sections.iter().collect();
    sorted.sort_by_key(|s| (s.start, s.end));
    let mut spans = Vec::new();
    let mut cursor = 0;
    for section in sorted {
        let start = section.start.clamp(cursor, total);
        let end = section.end.clamp(start, total);
        if start > cursor {
            spans.push((cursor, start, ""));
        }
        if end > start {
            spans.push((start, end, section.heading.as_str()));
        }
        cursor = cursor.max(end);
    }
    if cursor < total {
        spans.push((cursor, total, ""));
    }
    // Offsets are non-decreasing, so one forward walk converts them all.
    let mut walker = text.char_indices().map(|(b, _)| b).chain([text.len()]);
    let mut at_char = 0;
    let mut at_byte = walker.next().unwrap_or(0);
    let mut to_byte = |c: usize| {
        while at_char < c {
            at_byte = walker.next().unwrap_or(text.len());
            at_char += 1;
        }
        at_byte
    };
    spans
        .into_iter()
        .map(|(s, e, h)| {
            let s = to_byte(s);
            (s, to_byte(e), h)
        })
        .collect()
}

/// Chunks one section, `text[start..end]`, appending trimmed byte ranges to `out`.
fn chunk_section(
    text: &str,
    start: usize,
    end: usize,
    max: usize,
    overlap: usize,
    out: &mut Vec<(usize, usize)>,
) {
    let end = start + text[start..end].trim_end().len();
    let first = out.len();
    let mut pos = skip_whitespace(text, start, end);
    // Cuts must move forward: only cuts after `floor` count.
    let mut floor = pos;
    while pos < end {
        let limit = advance_chars(text, pos, end, max);
        if limit >= end {
            out.push((pos, end));
            break;
        }
        let cut = match best_cut(text, pos, limit, floor, end, max) {
            Some(cut) => cut,
            None if pos < floor => {
                // The overlap left no room for a whole grapheme: drop it.
                pos = skip_whitespace(text, floor, end);
                continue;
            }
            // A single grapheme cluster longer than the limit: it cannot be split.
            None => grapheme_end(text, pos, end),
        };
        out.push((pos, trim_end(text, pos, cut)));
        // The next passage must reach past the first character this one did not cover, or it
        // would add nothing but overlap and whitespace.
        floor = skip_whitespace(text, cut, end);
        if floor >= end {
            break;
        }
        pos = overlap_start(text, pos, cut, overlap);
        if pos >= cut {
            pos = skip_whitespace(text, cut, end);
        }
    }
    merge_tail(text, out, first, max);
}

/// Merges a tiny last passage of a section (whose passages start at `ranges[first]`) into the
/// one before it when the merged passage keeps the limit.
fn merge_tail(text: &str, ranges: &mut Vec<(usize, usize)>, first: usize, max: usize) {
    let n = ranges.len();
    if n < first + 2 {
        return;
    }
    let (prev_start, prev_end) = ranges[n - 2];
    let (_, last_end) = ranges[n - 1];
    if last_end <= prev_end {
        return;
    }
    let new_chars = text[prev_end..last_end].chars().count();
    if new_chars < MIN_TAIL_CHARS && text[prev_start..last_end].chars().count() <= max {
        ranges[n - 2].1 = last_end;
        ranges.pop();
    }
}

/// Where to end a passage that starts at `pos` and may not go past `limit`: the end of the
/// last whole paragraph or sentence that fills at least half a passage, else the last word
/// boundary, else the last grapheme boundary. Only cuts after `floor` (and `pos`) count.
/// `None` when no grapheme boundary lies in that range.
fn best_cut(
    text: &str,
    pos: usize,
    limit: usize,
    floor: usize,
    end: usize,
    max: usize,
) -> Option<usize> {
    let half = advance_chars(text, pos, end, max / 2).max(floor + 1);
    let window_end = char_floor(text, (limit + SEGMENT_CONTEXT_BYTES).min(end));
    let window = &text[pos..window_end];
    let floor = floor.max(pos);
    let in_range = |p: usize| p > floor && p <= limit;

    let paragraph = paragraph_starts(window)
        .map(|i| pos + i)
        .filter(|&p| p >= half && in_range(p))
        .last();
    if paragraph.is_some() {
        return paragraph;
    }
    let sentence = sentence_starts(window)
        .map(|i| pos + i)
        .filter(|&p| p >= half && in_range(p))
        .last();
    if sentence.is_some() {
        return sentence;
    }
    // Line breaks: list items, table rows, verse, the lines of a PDF.
    let line = line_starts(window)
        .map(|i| pos + i)
        .filter(|&p| p >= half && in_range(p))
        .last();
    if line.is_some() {
        return line;
    }
    // Word boundaries: prefer a word that follows whitespace (not "don" | "'t").
    let mut after_space = None;
    let mut any_word = None;
    for (i, _) in window.split_word_bound_indices() {
        let p = pos + i;
        if !in_range(p) {
            continue;
        }
        any_word = Some(p);
        if text[..p].ends_with(char::is_whitespace) && !text[p..].starts_with(char::is_whitespace) {
            after_space = Some(p);
        }
    }
    if after_space.is_some() {
        return after_space;
    }
    if any_word.is_some() {
        return any_word;
    }
    window
        .grapheme_indices(true)
        .map(|(i, _)| pos + i)
        .rev()
        .find(|&p| in_range(p))
}

/// Where the passage after a cut at `cut` begins: the earliest sentence start in the last
/// `overlap` characters before `cut`, else the earliest line start, else the earliest word
/// start there, else `cut` itself.
/// Always after `pos`, the start of the previous passage, so passages start in order.
fn overlap_start(text: &str, pos: usize, cut: usize, overlap: usize) -> usize {
    if overlap == 0 {
        return cut;
    }
    let lo = back_chars(text, cut, overlap).max(next_char(text, pos));
    if lo >= cut {
        return cut;
    }
    let context = char_floor(text, lo.saturating_sub(SEGMENT_CONTEXT_BYTES).max(pos));
    let window = &text[context..cut];
    let starts_word = |p: usize| {
        p >= lo && !text[p..].starts_with(char::is_whitespace) && {
            let before = &text[..p];
            before.ends_with(char::is_whitespace)
        }
    };
    let sentence = sentence_starts(window)
        .map(|i| context + i)
        .find(|&p| p >= lo && !text[p..].starts_with(char::is_whitespace));
    if let Some(p) = sentence {
        return p;
    }
    if let Some(p) = line_starts(window).map(|i| context + i).find(|&p| p >= lo) {
        return p;
    }
    window
        .split_word_bound_indices()
        .map(|(i, _)| context + i)
        .find(|&p| starts_word(p))
        .unwrap_or(cut)
}

/// Byte offsets (into `window`) of sentence starts. A single line break does not end a
/// sentence here, although Unicode's rules say it does: hard-wrapped prose (plain-text notes,
/// every line of a PDF) would otherwise be cut at line ends, mid-sentence. Lines get their own,
/// weaker level ([`line_starts`]).
fn sentence_starts(window: &str) -> impl Iterator<Item = usize> {
    // Same byte length (`\n` and ` ` are one byte each), so offsets carry over.
    let mut flat = window.as_bytes().to_vec();
    let mut run_start = None;
    for i in 0..=flat.len() {
        let blank = flat.get(i).is_some_and(|b| b.is_ascii_whitespace());
        match (blank, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(start)) => {
                let run = &mut flat[start..i];
                if run.iter().filter(|&&b| b == b'\n').count() == 1 {
                    run.iter_mut()
                        .filter(|b| **b == b'\n')
                        .for_each(|b| *b = b' ');
                }
                run_start = None;
            }
            _ => {}
        }
    }
    let flat = String::from_utf8(flat).unwrap_or_default();
    flat.split_sentence_bound_indices()
        .map(|(i, _)| i)
        .collect::<Vec<_>>()
        .into_iter()
}

/// Byte offsets (into `window`) of line starts: the first non-whitespace character after a
/// line break.
fn line_starts(window: &str) -> impl Iterator<Item = usize> + '_ {
    let mut after_newline = false;
    window.char_indices().filter_map(move |(i, c)| {
        if c == '\n' {
            after_newline = true;
            None
        } else if c.is_whitespace() {
            None
        } else {
            let starts = after_newline;
            after_newline = false;
            starts.then_some(i)
        }
    })
}

/// Byte offsets (into `window`) of paragraph starts: the first non-whitespace character after
/// a whitespace run holding at least two line breaks.
fn paragraph_starts(window: &str) -> impl Iterator<Item = usize> + '_ {
    let mut newlines = 0;
    let mut in_space = false;
    window.char_indices().filter_map(move |(i, c)| {
        if c.is_whitespace() {
            if !in_space {
                newlines = 0;
            }
            in_space = true;
            if c == '\n' {
                newlines += 1;
            }
            None
        } else {
            let starts = in_space && newlines >= 2;
            in_space = false;
            starts.then_some(i)
        }
    })
}

fn skip_whitespace(text: &str, from: usize, end: usize) -> usize {
    let rest = &text[from..end];
    from + (rest.len() - rest.trim_start().len())
}

fn trim_end(text: &str, from: usize, to: usize) -> usize {
    from + text[from..to].trim_end().len()
}

/// Byte offset `n` characters after `from`, or `end`.
fn advance_chars(text: &str, from: usize, end: usize, n: usize) -> usize {
    text[from..end]
        .char_indices()
        .nth(n)
        .map_or(end, |(i, _)| from + i)
}

/// Byte offset `n` characters before `to` (or 0).
fn back_chars(text: &str, to: usize, n: usize) -> usize {
    if n == 0 {
        return to;
    }
    text[..to]
        .char_indices()
        .rev()
        .nth(n - 1)
        .map_or(0, |(i, _)| i)
}

fn next_char(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(at, |c| at + c.len_utf8())
}

/// Largest char boundary at or below `i`.
fn char_floor(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn grapheme_end(text: &str, pos: usize, end: usize) -> usize {
    text[pos..end]
        .graphemes(true)
        .next()
        .map_or(end, |g| pos + g.len())
}

/// Converts byte offsets to character offsets for nearby, mostly increasing positions by
/// counting only the characters between the previous position and the next.
#[derive(Default)]
struct CharCounter {
    byte: usize,
    chars: usize,
}

impl CharCounter {
    fn char_at(&mut self, text: &str, byte: usize) -> usize {
        if byte >= self.byte {
            self.chars += text[self.byte..byte].chars().count();
        } else {
            self.chars -= text[byte..self.byte].chars().count();
        }
        self.byte = byte;
        self.chars
    }
}

#[cfg(test)]
#[path = "chunk_tests.rs"]
mod tests;
