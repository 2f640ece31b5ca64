//! The code blocks of a Markdown file, read with `pulldown-cmark`: each block's text as
//! CommonMark reads it (the fences, the indentation of an indented block, and the prefixes
//! of the list items and block quotes it sits in taken off every line), with a span map
//! back into the file; and the `<!-- policylint: ignore[RULE] reason -->` comments that
//! stand before a block.
//!
//! `pulldown-cmark` gives each line of a code block as its own text event with its byte
//! range in the file (a CRLF line as its text and its `\n`, a tab that the container
//! prefix only partly takes as synthesized spaces): a line that is its range byte for byte
//! is a verbatim piece of the map, anything else an opaque one.

use crate::hosts::span_map::SpanMap;
use crate::hosts::suppress::{self, Suppression};
use crate::source::Span;
use memchr::memmem;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// One code block, read out of its container.
#[derive(Debug, PartialEq, Eq)]
pub struct Block {
    /// The block's content, as CommonMark reads it.
    pub text: String,
    /// Where each byte of `text` comes from in the file.
    pub map: SpanMap,
    /// The first word of a fenced block's info string, lower case (`json` for
    /// `` ```json title="p.json" `` or `` ```{.json} ``); empty for an indented block.
    pub language: String,
    /// What stands before the content on each of its lines in the file (the indentation
    /// and `>` markers of its containers, an indented block's four spaces), when every
    /// line that is not blank has the same; `None` when they differ (a lazy line, a tab
    /// taken apart): a replacement with a line break cannot be written there.
    pub line_prefix: Option<String>,
    /// The file's line break in the block.
    pub line_break: &'static str,
    /// The block in the file, fences included.
    pub span: Span,
}

/// The code blocks of a Markdown file whose text mentions `statement` (the others cannot
/// hold a policy and are not copied), in file order.
pub fn code_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    let mut prefixes = Prefixes::default();
    for (event, range) in parser(text) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => language_of(&info),
                    CodeBlockKind::Indented => String::new(),
                };
                prefixes = Prefixes::default();
                current = Some(Block {
                    text: String::new(),
                    map: SpanMap::default(),
                    language,
                    line_prefix: None,
                    line_break: "\n",
                    span: Span::new(range.start, range.end),
                });
            }
            Event::Text(line) => {
                let Some(block) = current.as_mut() else {
                    continue;
                };
                let source = &text[range.clone()];
                if block.text.is_empty() || block.text.ends_with('\n') {
                    prefixes.line(text, range.start, &line);
                }
                if *line == *source {
                    block.map.push_verbatim(line.len(), range.start);
                } else {
                    block
                        .map
                        .push_opaque(line.len(), Span::new(range.start, range.end));
                    prefixes.uniform = false;
                }
                if line.as_ref() == "\n"
                    && range.start > 0
                    && text.as_bytes()[range.start - 1] == b'\r'
                {
                    block.line_break = "\r\n";
                }
                block.text.push_str(&line);
            }
            Event::End(TagEnd::CodeBlock) => {
                let finished = std::mem::take(&mut prefixes).finish();
                if let Some(mut block) = current.take()
                    && crate::hosts::json::mentions_statement(&block.text)
                {
                    block.line_prefix = finished;
                    blocks.push(block);
                }
            }
            _ => {}
        }
    }
    blocks
}

fn parser(text: &str) -> pulldown_cmark::OffsetIter<'_, pulldown_cmark::DefaultBrokenLinkCallback> {
    Parser::new_ext(text, Options::empty()).into_offset_iter()
}

/// The language an info string names: its first word, without the braces and dot of an
/// attribute form (`{.json}`) or what follows a `:` (`json:policy.json`), lower case.
fn language_of(info: &str) -> String {
    info.trim()
        .trim_start_matches(['{', '.'])
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '}' | '{' | ':' | ';'))
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The line prefixes seen in one block.
#[derive(Default)]
struct Prefixes {
    seen: Option<String>,
    uniform: bool,
    started: bool,
}

impl Prefixes {
    /// A block line whose first text event is `line`, starting at `start` in `text`.
    fn line(&mut self, text: &str, start: usize, line: &str) {
        if !self.started {
            self.started = true;
            self.uniform = true;
        }
        if line.trim().is_empty() {
            return;
        }
        let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
        let prefix = &text[line_start..start];
        match &self.seen {
            None => self.seen = Some(prefix.to_string()),
            Some(seen) if seen == prefix => {}
            Some(_) => self.uniform = false,
        }
    }

    fn finish(self) -> Option<String> {
        (self.uniform || !self.started).then(|| self.seen.unwrap_or_default())
    }
}

/// The `<!-- policylint: ignore[RULE] reason -->` comments of a Markdown file (HTML blocks
/// of their own), each covering the code block that comes next when nothing else (a
/// paragraph, a heading, another HTML block) stands between them; one that stands before
/// no block covers nothing, and is reported as unused.
pub fn suppressions(text: &str) -> Vec<Suppression> {
    if memmem::find(text.as_bytes(), b"policylint:").is_none() {
        return Vec::new();
    }
    let mut found: Vec<Suppression> = Vec::new();
    // The comments waiting for their block.
    let mut pending = 0;
    for (event, range) in parser(text) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                let len = found.len();
                for suppression in &mut found[len - pending..] {
                    suppression.target = Span::new(range.start, range.end);
                }
                pending = 0;
            }
            Event::Start(Tag::HtmlBlock) => pending = 0,
            Event::Html(html) => {
                let Some(comment) = comment_directive(&html) else {
                    continue;
                };
                let line = text[range.clone()].trim_end();
                let at = range.start + line.find("<!--").unwrap_or(0);
                let end = range.start + line.rfind("-->").map_or(line.len(), |i| i + 3);
                found.push(Suppression {
                    comment: Span::new(at, end),
                    target: Span::new(end, end),
                    directive: comment,
                });
                pending += 1;
            }
            Event::Start(
                Tag::Paragraph | Tag::Heading { .. } | Tag::Table(_) | Tag::MetadataBlock(_),
            )
            | Event::Rule => pending = 0,
            _ => {}
        }
    }
    found
}

/// The directive of one line of an HTML block, when it is a `policylint:` comment.
fn comment_directive(html: &str) -> Option<Result<suppress::Directive, String>> {
    let body = html.trim().strip_prefix("<!--")?;
    let body = body.strip_suffix("-->").unwrap_or(body);
    suppress::parse_directive(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_text(text: &str, block: &Block) -> String {
        block
            .map
            .pieces()
            .iter()
            .map(|p| &text[p.host.start..p.host.end])
            .collect()
    }

    #[test]
    fn blocks_in_lists_and_quotes_lose_their_prefixes_and_map_back() {
        let text = "Intro\n\n1. Create it:\n\n   ```json {title=\"p\"}\n   {\"Statement\": [\n     1]}\n   ```\n\n> ```\n> {\"Statement\": 1}\n>\n> ```\n\n    {\"Statement\": 2}\n";
        let blocks = code_blocks(text);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].text, "{\"Statement\": [\n  1]}\n");
        assert_eq!(blocks[0].language, "json");
        assert_eq!(blocks[0].line_prefix.as_deref(), Some("   "));
        assert_eq!(host_text(text, &blocks[0]), blocks[0].text);
        assert_eq!(blocks[1].text, "{\"Statement\": 1}\n\n");
        assert_eq!(blocks[1].line_prefix.as_deref(), Some("> "));
        assert_eq!(blocks[2].text, "{\"Statement\": 2}\n");
        assert_eq!(blocks[2].line_prefix.as_deref(), Some("    "));
        let start = text.find("{\"Statement\": 2}").unwrap();
        assert_eq!(
            blocks[2].map.map_span(Span::new(0, 1)),
            Span::new(start, start + 1)
        );
    }

    #[test]
    fn crlf_lines_map_around_their_carriage_returns() {
        let text = "```\r\n{\"Statement\":\r\n 1}\r\n```\r\n";
        let blocks = code_blocks(text);
        assert_eq!(blocks[0].text, "{\"Statement\":\n 1}\n");
        assert_eq!(blocks[0].line_break, "\r\n");
        let at = blocks[0].text.find('1').unwrap();
        let host = text.find('1').unwrap();
        assert_eq!(
            blocks[0].map.map_span(Span::new(at, at + 1)),
            Span::new(host, host + 1)
        );
    }

    #[test]
    fn languages_come_from_the_first_word_of_the_info_string() {
        for (info, language) in [
            ("json", "json"),
            ("JSON title=\"x\"", "json"),
            ("{.yaml}", "yaml"),
            ("json:policy.json", "json"),
            ("", ""),
            ("shell script", "shell"),
        ] {
            assert_eq!(language_of(info), language, "{info}");
        }
    }

    #[test]
    fn comments_cover_the_block_right_below_them() {
        let text = "<!-- policylint: ignore[PL302] an example -->\n```json\n{}\n```\n\n<!-- policylint: ignore[PL301] x -->\n\nProse.\n\n```\n{}\n```\n<!-- not ours -->\n";
        let found = suppressions(text);
        assert_eq!(found.len(), 2);
        let block = text.find("```json").unwrap();
        assert_eq!(found[0].target.start, block);
        assert_eq!(
            &text[found[0].comment.start..found[0].comment.end],
            "<!-- policylint: ignore[PL302] an example -->"
        );
        assert!(found[0].directive.is_ok());
        assert!(found[1].target.is_empty());
    }
}
