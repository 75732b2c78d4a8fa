//! Plain-text assembly for structured documents (Markdown, HTML): the parsers walk their tree
//! and say "text", "line break", "block break", "heading starts/ends"; the builder owns how
//! that becomes text and [`Section`]s.
//!
//! - Breaks are *owed*, not written: a break is emitted only before the next text, never at
//!   the start or end, and the largest owed break wins, so nested blocks (a paragraph in a
//!   list item in a quote) give one blank line, not five.
//! - Blocks are separated by a blank line (`\n\n`), lines within a block (list items, table
//!   rows, `<br>`) by `\n`, table cells by a tab: plain text without markup characters that
//!   still reads naturally and lets the chunker cut at paragraphs.
//! - In HTML mode ([`Builder::push_collapsed`]) whitespace is collapsed as a browser does.
//! - A heading's text is part of the plain text and starts a new section whose heading path
//!   is the stack of enclosing headings (`H1 › H2 › H3`).

use super::{Parsed, Section};

/// The separator between levels of a heading path.
pub(super) const PATH_SEPARATOR: &str = " › ";

#[derive(Debug)]
pub(super) struct Builder {
    text: String,
    /// `text.chars().count()`, kept up to date because sections are in char offsets.
    chars: usize,
    /// Newlines owed before the next text (0, 1 or 2).
    owed_newlines: usize,
    /// A separator owed before the next text (`' '` or `'\t'`), dropped at a break.
    owed_separator: Option<char>,
    sections: Vec<Section>,
    /// The enclosing headings: (level, text).
    path: Vec<(u8, String)>,
    heading: Option<OpenHeading>,
    first_h1: Option<String>,
}

#[derive(Debug)]
struct OpenHeading {
    level: u8,
    start_char: usize,
    start_byte: usize,
    /// Headings nested inside this one (HTML allows `<h2>` in `<h1>`): ignored as headings.
    nested: usize,
}

impl Builder {
    pub(super) fn new() -> Builder {
        Builder {
            text: String::new(),
            chars: 0,
            owed_newlines: 0,
            owed_separator: None,
            sections: vec![Section {
                heading: String::new(),
                start: 0,
                end: 0,
            }],
            path: Vec::new(),
            heading: None,
            first_h1: None,
        }
    }

    /// Appends text verbatim (Markdown text, code, `<pre>`), after any owed break.
    pub(super) fn push(&mut self, s: &str) {
        let s = if self.text.is_empty() {
            s.trim_start()
        } else {
            s
        };
        if s.is_empty() {
            return;
        }
        self.pay_debts();
        self.append(s);
    }

    /// Appends HTML text with whitespace collapsed: a run of spaces, tabs and line breaks is
    /// one space, none at the start or end of a block. (U+00A0 is not collapsible, as in
    /// browsers.)
    pub(super) fn push_collapsed(&mut self, s: &str) {
        let mut rest = s;
        while !rest.is_empty() {
            let word = rest.trim_start_matches(is_collapsible);
            if word.len() < rest.len() {
                self.space();
            }
            let len = word.find(is_collapsible).unwrap_or(word.len());
            if len > 0 {
                self.pay_debts();
                self.append(&word[..len]);
            }
            rest = &word[len..];
        }
    }

    /// Owes a space before the next text (an inline separator, a Markdown soft break).
    pub(super) fn space(&mut self) {
        if !self.text.is_empty() && self.owed_separator.is_none() {
            self.owed_separator = Some(' ');
        }
    }

    /// Owes a tab before the next text (between table cells).
    pub(super) fn tab(&mut self) {
        if !self.text.is_empty() {
            self.owed_separator = Some('\t');
        }
    }

    /// Owes a line break (`\n`) before the next text.
    pub(super) fn line_break(&mut self) {
        self.owed_newlines = self.owed_newlines.max(1);
    }

    /// Owes a block break (a blank line) before the next text.
    pub(super) fn block_break(&mut self) {
        self.owed_newlines = 2;
    }

    pub(super) fn start_heading(&mut self, level: u8) {
        if let Some(open) = &mut self.heading {
            open.nested += 1;
            return;
        }
        self.block_break();
        if !self.text.is_empty() {
            self.pay_debts();
        }
        self.owed_newlines = 0;
        self.owed_separator = None;
        self.heading = Some(OpenHeading {
            level,
            start_char: self.chars,
            start_byte: self.text.len(),
            nested: 0,
        });
    }

    pub(super) fn end_heading(&mut self) {
        let Some(open) = &mut self.heading else {
            return;
        };
        if open.nested > 0 {
            open.nested -= 1;
            return;
        }
        let Some(open) = self.heading.take() else {
            return;
        };
        self.block_break();
        let title = self.text[open.start_byte..]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        // An empty heading (`<h2></h2>`, `##`) names nothing: the current section goes on.
        if title.is_empty() {
            return;
        }
        if open.level == 1 && self.first_h1.is_none() {
            self.first_h1 = Some(title.clone());
        }
        while self.path.last().is_some_and(|(l, _)| *l >= open.level) {
            self.path.pop();
        }
        self.path.push((open.level, title));
        let heading = self
            .path
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join(PATH_SEPARATOR);
        if let Some(last) = self.sections.last_mut() {
            last.end = open.start_char;
        }
        self.sections.push(Section {
            heading,
            start: open.start_char,
            end: open.start_char,
        });
    }

    pub(super) fn finish(mut self, title: Option<String>) -> Parsed {
        if self.heading.is_some() {
            // An unclosed heading (truncated HTML) still names what follows it.
            if let Some(open) = &mut self.heading {
                open.nested = 0;
            }
            self.end_heading();
        }
        let trimmed = self.text.trim_end().len();
        self.chars -= self.text[trimmed..].chars().count();
        self.text.truncate(trimmed);
        let chars = self.chars;
        if let Some(last) = self.sections.last_mut() {
            last.end = chars;
        }
        self.sections.retain_mut(|s| {
            s.end = s.end.min(chars);
            s.start < s.end
        });
        Parsed {
            title: title.or(self.first_h1),
            text: self.text,
            sections: self.sections,
        }
    }

    fn append(&mut self, s: &str) {
        self.text.push_str(s);
        self.chars += s.chars().count();
    }

    /// Writes the owed break or separator (nothing at the start of the text).
    fn pay_debts(&mut self) {
        if self.text.is_empty() {
            self.owed_newlines = 0;
            self.owed_separator = None;
            return;
        }
        if self.owed_newlines > 0 {
            // Trailing blanks before a line break are invisible noise.
            while self.text.ends_with([' ', '\t']) {
                self.text.pop();
                self.chars -= 1;
            }
            let have = self.text.len() - self.text.trim_end_matches('\n').len();
            for _ in have.min(self.owed_newlines)..self.owed_newlines {
                self.append("\n");
            }
        } else if let Some(sep) = self.owed_separator
            && !self.text.ends_with(char::is_whitespace)
        {
            self.text.push(sep);
            self.chars += 1;
        }
        self.owed_newlines = 0;
        self.owed_separator = None;
    }
}

/// HTML's collapsible white space (U+00A0 is not).
fn is_collapsible(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_are_owed_and_merged() {
        let mut b = Builder::new();
        b.block_break();
        b.push("one");
        b.line_break();
        b.block_break();
        b.line_break();
        b.push("two");
        b.line_break();
        b.push("three");
        b.block_break();
        let p = b.finish(None);
        assert_eq!(p.text, "one\n\ntwo\nthree");
    }

    #[test]
    fn collapsed_whitespace() {
        let mut b = Builder::new();
        b.push_collapsed("  Hello \n\t world ");
        b.push_collapsed("again");
        b.push_collapsed("!");
        b.line_break();
        b.push_collapsed("   next\u{a0}line ");
        let p = b.finish(None);
        assert_eq!(p.text, "Hello world again!\nnext\u{a0}line");
    }

    #[test]
    fn heading_paths() {
        let mut b = Builder::new();
        b.push("intro");
        for (level, text, body) in [(1, "A", "a"), (2, "B", "b"), (3, "C", "c"), (2, "D", "d")] {
            b.start_heading(level);
            b.push(text);
            b.end_heading();
            b.push(body);
        }
        let p = b.finish(None);
        assert_eq!(p.text, "intro\n\nA\n\na\n\nB\n\nb\n\nC\n\nc\n\nD\n\nd");
        let got: Vec<(&str, &str)> = p
            .sections
            .iter()
            .map(|s| {
                let start = p.text.char_indices().nth(s.start).unwrap().0;
                let end = p
                    .text
                    .char_indices()
                    .nth(s.end)
                    .map_or(p.text.len(), |x| x.0);
                (s.heading.as_str(), &p.text[start..end])
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("", "intro\n\n"),
                ("A", "A\n\na\n\n"),
                ("A › B", "B\n\nb\n\n"),
                ("A › B › C", "C\n\nc\n\n"),
                ("A › D", "D\n\nd"),
            ]
        );
        assert_eq!(p.title.as_deref(), Some("A"));
    }

    #[test]
    fn empty_and_unclosed_headings() {
        let mut b = Builder::new();
        b.start_heading(2);
        b.end_heading();
        b.push("body");
        b.start_heading(1);
        b.push("Last");
        let p = b.finish(Some("T".into()));
        assert_eq!(p.text, "body\n\nLast");
        assert_eq!(p.title.as_deref(), Some("T"));
        assert_eq!(p.sections.len(), 2);
        assert_eq!(p.sections[1].heading, "Last");
    }
}
