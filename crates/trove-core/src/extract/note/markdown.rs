//! Markdown: CommonMark plus the extensions note apps use (GFM tables, task lists,
//! strikethrough, footnotes, `[[wiki links]]`, math, definition lists, heading attributes),
//! parsed with `pulldown-cmark` into plain text without markup.
//!
//! Kept: paragraphs, headings, list items, block quotes, code (inline and blocks), table
//! cells, link text, image alt text, footnote text, and the visible text of HTML blocks
//! (through the [`html`](super::html) walker). Dropped: URLs, markup characters, inline HTML
//! tags, footnote reference marks, task-list boxes.
//!
//! The title is front matter's `title:` (YAML `---` or TOML `+++`), else the first H1; the
//! rest of the front matter is metadata, not note text.

use pulldown_cmark::{Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};

use super::Parsed;
use super::builder::Builder;
use super::html;

pub(super) fn parse(src: &str) -> Parsed {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_WIKILINKS;
    let mut b = Builder::new();
    let mut front_matter: Option<(MetadataBlockKind, String)> = None;
    let mut title = None;
    let mut html_block: Option<String> = None;
    let mut list_depth = 0usize;
    let mut first_cell = false;

    for event in Parser::new_ext(src, options) {
        // Text inside a metadata or HTML block is collected, not shown.
        if let Some((_, buf)) = &mut front_matter {
            match event {
                Event::Text(t) => buf.push_str(&t),
                Event::End(TagEnd::MetadataBlock(_)) => {
                    if let Some((kind, buf)) = front_matter.take() {
                        title = title.or_else(|| front_matter_title(kind, &buf));
                    }
                }
                _ => {}
            }
            continue;
        }
        if let Some(buf) = &mut html_block {
            match event {
                Event::Html(t) | Event::Text(t) => buf.push_str(&t),
                Event::End(TagEnd::HtmlBlock) => {
                    if let Some(buf) = html_block.take() {
                        b.block_break();
                        html::walk_fragment(&buf, &mut b);
                        b.block_break();
                    }
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(tag) => match tag {
                Tag::MetadataBlock(kind) => front_matter = Some((kind, String::new())),
                Tag::HtmlBlock => html_block = Some(String::new()),
                Tag::Heading { level, .. } => b.start_heading(level as u8),
                Tag::List(_) => {
                    // A nested list continues its item's block.
                    if list_depth == 0 {
                        b.block_break();
                    } else {
                        b.line_break();
                    }
                    list_depth += 1;
                }
                Tag::Item
                | Tag::TableHead
                | Tag::TableRow
                | Tag::DefinitionListTitle
                | Tag::DefinitionListDefinition => {
                    b.line_break();
                    first_cell = true;
                }
                Tag::TableCell => {
                    if !first_cell {
                        b.tab();
                    }
                    first_cell = false;
                }
                Tag::Paragraph
                | Tag::BlockQuote(_)
                | Tag::CodeBlock(_)
                | Tag::FootnoteDefinition(_)
                | Tag::DefinitionList
                | Tag::Table(_) => b.block_break(),
                Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. } => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Heading(_) => b.end_heading(),
                TagEnd::List(_) => {
                    list_depth = list_depth.saturating_sub(1);
                    if list_depth == 0 {
                        b.block_break();
                    }
                }
                TagEnd::Item
                | TagEnd::TableHead
                | TagEnd::TableRow
                | TagEnd::DefinitionListTitle
                | TagEnd::DefinitionListDefinition => b.line_break(),
                TagEnd::Paragraph
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::FootnoteDefinition
                | TagEnd::DefinitionList
                | TagEnd::Table => b.block_break(),
                _ => {}
            },
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) => b.push(&t),
            Event::DisplayMath(t) => {
                b.block_break();
                b.push(&t);
                b.block_break();
            }
            Event::SoftBreak => b.space(),
            Event::HardBreak => b.line_break(),
            Event::Rule => b.block_break(),
            Event::InlineHtml(t) | Event::Html(t) => {
                // Tags are markup; only a `<br>` says something about the text.
                if t.trim_start()
                    .get(..3)
                    .is_some_and(|s| s.eq_ignore_ascii_case("<br"))
                {
                    b.line_break();
                }
            }
            Event::FootnoteReference(_) | Event::TaskListMarker(_) => {}
        }
    }
    b.finish(title)
}

/// `title` from YAML (`---`) or TOML (`+++`) front matter. Malformed front matter is not an
/// error: the note is still worth indexing, it just falls back to another title.
fn front_matter_title(kind: MetadataBlockKind, src: &str) -> Option<String> {
    let title = match kind {
        MetadataBlockKind::YamlStyle => {
            let docs = yaml_rust2::YamlLoader::load_from_str(src).ok()?;
            match &docs.first()?["title"] {
                yaml_rust2::Yaml::String(s) | yaml_rust2::Yaml::Real(s) => s.clone(),
                yaml_rust2::Yaml::Integer(i) => i.to_string(),
                _ => return None,
            }
        }
        MetadataBlockKind::PlusesStyle => {
            let table: toml::Table = toml::from_str(src).ok()?;
            match table.get("title")? {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                _ => return None,
            }
        }
    };
    let title = title.trim();
    (!title.is_empty()).then(|| title.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(md: &str) -> String {
        parse(md).text
    }

    #[test]
    fn front_matter_title_wins_and_is_not_text() {
        let p = parse("---\ntitle: \"Kitchen: the plan\"\ntags: [home]\n---\n# Heading\n\nBody.");
        assert_eq!(p.title.as_deref(), Some("Kitchen: the plan"));
        assert_eq!(p.text, "Heading\n\nBody.");
        let p = parse("+++\ntitle = \"From TOML\"\n+++\n\nBody.");
        assert_eq!(p.title.as_deref(), Some("From TOML"));
        assert_eq!(p.text, "Body.");
    }

    #[test]
    fn title_falls_back_to_first_h1() {
        let p = parse("Intro.\n\n## Sub\n\n# Main *title*\n\n# Second");
        assert_eq!(p.title.as_deref(), Some("Main title"));
        let p = parse("---\ntitle:\n---\nSetext H1\n=========\n\ntext");
        assert_eq!(p.title.as_deref(), Some("Setext H1"));
        assert_eq!(parse("no headings").title, None);
        // Malformed front matter: ignored.
        let p = parse("---\ntitle: [unclosed\n---\n# H\n");
        assert_eq!(p.title.as_deref(), Some("H"));
    }

    #[test]
    fn plain_text_without_markup() {
        let md = "\
# Trip *to* **Lisbon**

Book the [hotel](https://example.com/hotel \"t\") and see ![the tram](tram.jpg).
Soft-wrapped line; `inline code` and ~~old~~ text[^1]. See [[Packing list|the list]].

- [ ] passport
- [x] tickets
  1. nested one
  2. nested two

> Quoted *wisdom*
> over two lines.

```rust
fn main() {}
```

| Item | Cost |
|------|-----:|
| Hotel | 400 € |
| Tram | 3 € |

[^1]: A footnote.

<div class=\"note\">
<p>Raw <b>HTML</b> block</p>
<script>alert(1)</script>
</div>

***

End<br>line.
";
        let text = text_of(md);
        let expected = "\
Trip to Lisbon

Book the hotel and see the tram. Soft-wrapped line; inline code and old text. See the list.

passport
tickets
nested one
nested two

Quoted wisdom over two lines.

fn main() {}

Item\tCost
Hotel\t400 €
Tram\t3 €

A footnote.

Raw HTML block

End
line.";
        assert_eq!(text, expected);
        for markup in ["*", "#", "[", "]", "`", "|", "<", ">", "~", "http"] {
            assert!(!text.contains(markup), "{markup:?} in {text}");
        }
    }

    #[test]
    fn headings_define_sections() {
        let p = parse("Preface.\n\n# A\n\nalpha\n\n## B\n\nbeta\n\n### C\n\ngamma\n\n# D\n\ndelta");
        let headings: Vec<&str> = p.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, ["", "A", "A › B", "A › B › C", "D"]);
        let text: Vec<char> = p.text.chars().collect();
        let span = |i: usize| -> String {
            text[p.sections[i].start..p.sections[i].end]
                .iter()
                .collect::<String>()
                .trim()
                .to_string()
        };
        assert_eq!(span(0), "Preface.");
        assert_eq!(span(2), "B\n\nbeta");
        assert_eq!(span(4), "D\n\ndelta");
    }

    #[test]
    fn heading_attributes_are_not_text() {
        let p = parse("# Title {#custom-id .class}\n\nbody");
        assert_eq!(p.text, "Title\n\nbody");
    }
}
