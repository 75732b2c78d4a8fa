//! HTML: the text a person would see in a browser, parsed with `scraper` (html5ever, the
//! browser-grade parser, so broken markup is repaired the way browsers repair it).
//!
//! Kept: text nodes outside hidden subtrees, with block elements producing line or paragraph
//! breaks and inline ones none, whitespace collapsed as a browser does (preserved in `<pre>`),
//! table cells separated by tabs, `h1`–`h6` defining heading paths. Skipped: `head` (but its
//! `<title>` is the title), `script`, `style`, `noscript`, `template`, `svg`, `math` (MathML
//! reads as symbol soup), `canvas`, media fallback content, form controls whose text is not
//! prose (`select`, `textarea`), elements with the `hidden` attribute or an inline
//! `display: none` / `visibility: hidden`.
//!
//! The tree is walked iteratively: hostile pages nest elements thousands deep, and a
//! recursive walk would overflow the worker's stack.

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{Html, Node, node::Element};

use super::Parsed;
use super::builder::Builder;

/// Elements whose whole subtree is never shown as text.
const SKIPPED: &[&str] = &[
    "head", "script", "style", "noscript", "template", "svg", "math", "canvas", "iframe", "object",
    "embed", "audio", "video", "picture", "select", "textarea", "datalist", "map",
];

/// Block elements separated from their neighbours by a blank line (they have vertical margins
/// in a browser's default style sheet).
const PARAGRAPH_BLOCKS: &[&str] = &[
    "p",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "dl",
    "menu",
    "table",
    "figure",
    "hr",
    "address",
    "details",
    "fieldset",
    "form",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "nav",
    "aside",
    "hgroup",
    "search",
];

/// Block elements that start on a new line, without a blank line.
const LINE_BLOCKS: &[&str] = &[
    "html",
    "body",
    "div",
    "li",
    "dt",
    "dd",
    "tr",
    "caption",
    "figcaption",
    "summary",
    "legend",
    "option",
    "center",
    "dialog",
    "thead",
    "tbody",
    "tfoot",
    "br",
];

pub(super) fn parse(src: &str) -> Parsed {
    let document = Html::parse_document(src);
    let mut b = Builder::new();
    let title = walk(document.tree.root(), &mut b);
    b.finish(title)
}

/// Appends the visible text of an HTML fragment (a Markdown HTML block) to `b`.
pub(super) fn walk_fragment(src: &str, b: &mut Builder) {
    let fragment = Html::parse_fragment(src);
    walk(fragment.tree.root(), b);
}

/// Walks the tree under `root`, appending visible text to `b`; returns the `<title>`.
fn walk(root: NodeRef<'_, Node>, b: &mut Builder) -> Option<String> {
    let mut title: Option<String> = None;
    // The element whose subtree is being skipped, if any, and whether it is `<head>`: the
    // title lives there, while a `<title>` elsewhere (SVG's tooltip) is not the page's.
    let mut skipping: Option<(ego_tree::NodeId, bool)> = None;
    let mut pre_depth = 0usize;
    // One cell counter per open table row, so nested tables keep their own.
    let mut rows: Vec<usize> = Vec::new();

    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if let Some((_, in_head)) = skipping {
                    if in_head && title.is_none() && is_element(node, "title") {
                        title = Some(text_of(node));
                    }
                    continue;
                }
                match node.value() {
                    Node::Text(text) if pre_depth > 0 => b.push(text),
                    Node::Text(text) => b.push_collapsed(text),
                    Node::Element(el) => {
                        let name = el.name();
                        if name == "title" {
                            // A `<title>` the parser left in the body: still the page's.
                            if title.is_none() {
                                title = Some(text_of(node));
                            }
                            skipping = Some((node.id(), false));
                        } else if is_hidden(el) {
                            skipping = Some((node.id(), name == "head"));
                        } else {
                            open(name, b, &mut pre_depth, &mut rows);
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some((id, _)) = skipping {
                    if id == node.id() {
                        skipping = None;
                    }
                    continue;
                }
                if let Node::Element(el) = node.value() {
                    close(el.name(), b, &mut pre_depth, &mut rows);
                }
            }
        }
    }
    title
}

fn open(name: &str, b: &mut Builder, pre_depth: &mut usize, rows: &mut Vec<usize>) {
    if let Some(level) = heading_level(name) {
        b.start_heading(level);
        return;
    }
    match name {
        "pre" => *pre_depth += 1,
        "tr" => rows.push(0),
        "td" | "th" => {
            if let Some(cells) = rows.last_mut() {
                if *cells > 0 {
                    b.tab();
                }
                *cells += 1;
            }
            return;
        }
        _ => {}
    }
    block(name, b);
}

fn close(name: &str, b: &mut Builder, pre_depth: &mut usize, rows: &mut Vec<usize>) {
    if heading_level(name).is_some() {
        b.end_heading();
        return;
    }
    match name {
        "pre" => *pre_depth = pre_depth.saturating_sub(1),
        "tr" => {
            rows.pop();
        }
        // `<br>` is a void element: its break was owed when it opened.
        "br" => return,
        _ => {}
    }
    block(name, b);
}

/// The break a block element owes at its start and end.
fn block(name: &str, b: &mut Builder) {
    if PARAGRAPH_BLOCKS.contains(&name) {
        b.block_break();
    } else if LINE_BLOCKS.contains(&name) {
        b.line_break();
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

fn is_hidden(el: &Element) -> bool {
    if SKIPPED.contains(&el.name()) || el.attr("hidden").is_some() {
        return true;
    }
    // Only inline styles: style sheets would need a CSS engine, and inline hiding is what
    // exported notes and saved pages actually use.
    el.attr("style").is_some_and(|style| {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        style.contains("display:none") || style.contains("visibility:hidden")
    })
}

fn is_element(node: NodeRef<'_, Node>, name: &str) -> bool {
    matches!(node.value(), Node::Element(el) if el.name() == name)
}

/// The text under a node (for `<title>`, whose content is raw text anyway).
fn text_of(node: NodeRef<'_, Node>) -> String {
    node.descendants()
        .filter_map(|n| match n.value() {
            Node::Text(t) => Some(&**t),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_only() {
        let html = r#"<!DOCTYPE html>
<html><head><title> My   page </title><style>p { color: red }</style>
<script>var x = "<p>not text</p>";</script></head>
<body>
  <nav hidden>Skip me</nav>
  <noscript>Enable JS</noscript>
  <template><p>template text</p></template>
  <svg><title>svg title</title><text>svg text</text></svg>
  <div style="display: none">invisible</div>
  <p>Hello,   <b>bold</b>
     <i>world</i>!<br>Next line</p>
  <div>one</div><div>two <span>three</span></div>
  <ul><li>first</li><li>second</li></ul>
  <table><tr><th>Item</th><th>Cost</th></tr><tr><td>Hotel</td><td>400</td></tr></table>
  <pre>  keep
    this</pre>
  <p>a<!-- comment -->b</p>
</body></html>"#;
        let p = parse(html);
        assert_eq!(p.title.as_deref(), Some(" My   page "));
        assert_eq!(
            p.text,
            "Hello, bold world!\nNext line\n\none\ntwo three\n\nfirst\nsecond\n\n\
             Item\tCost\nHotel\t400\n\n  keep\n    this\n\nab"
        );
    }

    #[test]
    fn headings_define_sections_and_title_fallback() {
        let p = parse(
            "<body><p>intro</p><h1>Kitchen</h1><p>a</p><h2>Budget <small>2024</small></h2>\
             <p>b</p><h3>Tiles</h3><p>c</p><h2>Plan</h2><p>d</p></body>",
        );
        assert_eq!(p.title.as_deref(), Some("Kitchen"));
        let headings: Vec<&str> = p.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(
            headings,
            [
                "",
                "Kitchen",
                "Kitchen › Budget 2024",
                "Kitchen › Budget 2024 › Tiles",
                "Kitchen › Plan"
            ]
        );
        assert_eq!(
            p.text,
            "intro\n\nKitchen\n\na\n\nBudget 2024\n\nb\n\nTiles\n\nc\n\nPlan\n\nd"
        );
    }

    #[test]
    fn broken_and_deeply_nested_markup() {
        let p = parse("<p>unclosed <b>bold <i>both</p><h2>head");
        assert_eq!(p.text, "unclosed bold both\n\nhead");
        let deep = format!(
            "{}deep{}",
            "<div><span>".repeat(20_000),
            "</span></div>".repeat(5)
        );
        assert_eq!(parse(&deep).text, "deep");
    }

    #[test]
    fn fragment_walk() {
        let mut b = Builder::new();
        b.push("before");
        walk_fragment(
            "<details><summary>More</summary><p>hidden-ish</p></details>",
            &mut b,
        );
        assert_eq!(b.finish(None).text, "before\n\nMore\n\nhidden-ish");
    }
}
