//! Snippets: FTS5 marks matches with control characters; this turns its output into plain text
//! plus highlight ranges, so no front end has to parse or escape markup.

pub const OPEN: char = '\u{2}';
pub const CLOSE: char = '\u{3}';

/// Splits marked text into plain text and `[start, end)` character ranges of the matches.
pub fn unmark(marked: &str) -> (String, Vec<[usize; 2]>) {
    let mut text = String::with_capacity(marked.len());
    let mut ranges = Vec::new();
    let mut open_at = None;
    let mut chars = 0;
    for c in marked.chars() {
        match c {
            OPEN => open_at = Some(chars),
            CLOSE => {
                if let Some(start) = open_at.take()
                    && chars > start
                {
                    ranges.push([start, chars]);
                }
            }
            c => {
                text.push(c);
                chars += 1;
            }
        }
    }
    (text, ranges)
}

/// The opening of a passage, cut at a word boundary, for notes matched by name or title only.
pub fn opening(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max_chars / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_char_offsets_in_the_plain_text() {
        let (text, ranges) = unmark("…the \u{2}café\u{3} on \u{2}Kappabashi\u{3}");
        assert_eq!(text, "…the café on Kappabashi");
        assert_eq!(ranges, vec![[5, 9], [13, 23]]);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[5..9].iter().collect::<String>(), "café");
    }

    #[test]
    fn opening_cuts_at_words() {
        assert_eq!(opening("short", 10), "short");
        assert_eq!(opening("one two three four", 12), "one two…");
    }
}
