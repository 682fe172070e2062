//! Splitting a `.sql` file into statements, each with the line it starts on.
//!
//! Uses sqlparser's PostgreSQL tokenizer rather than searching for `;`, so semicolons inside
//! string literals, quoted identifiers, dollar-quoted bodies and comments never split a statement.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Location, Token, Tokenizer, TokenizerError};

/// One statement of a file, without its terminating `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    /// The 1-based line of the statement's first token.
    pub(crate) line: usize,
    /// The statement text as written, trimmed.
    pub(crate) sql: String,
}

/// Splits `text` into statements; empty statements and comment-only stretches are skipped.
pub(crate) fn split_statements(text: &str) -> Result<Vec<Piece>, TokenizerError> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, text).tokenize_with_location()?;
    let index = LineIndex::new(text);
    let mut pieces = Vec::new();
    let mut start: Option<Location> = None;
    for token in &tokens {
        match token.token {
            Token::SemiColon => {
                if let Some(begin) = start.take() {
                    let end = index.offset(token.span.start);
                    pieces.push(index.piece(begin, end));
                }
            }
            Token::Whitespace(_) | Token::EOF => {}
            _ if start.is_none() => start = Some(token.span.start),
            _ => {}
        }
    }
    if let Some(begin) = start {
        pieces.push(index.piece(begin, text.len()));
    }
    Ok(pieces)
}

/// Maps the tokenizer's 1-based line and character column to byte offsets of the text.
struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, line_starts }
    }

    fn offset(&self, at: Location) -> usize {
        let line = usize::try_from(at.line)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        let Some(&line_start) = self.line_starts.get(line) else {
            return self.text.len();
        };
        let column = usize::try_from(at.column)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        self.text[line_start..]
            .char_indices()
            .nth(column)
            .map_or(self.text.len(), |(i, _)| line_start + i)
    }

    fn piece(&self, begin: Location, end: usize) -> Piece {
        let start = self.offset(begin).min(end);
        Piece {
            line: usize::try_from(begin.line).unwrap_or(usize::MAX),
            sql: self.text[start..end].trim().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Piece, split_statements};

    fn pieces(text: &str) -> Vec<(usize, String)> {
        split_statements(text)
            .map(|all| {
                all.into_iter()
                    .map(|Piece { line, sql }| (line, sql))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn splits_on_top_level_semicolons_only() {
        let text = "-- header; not a statement\nSELECT ';' FROM t;\n\n/* a; b */ SELECT \"a;b\"\n  FROM t2;\nDO $$ BEGIN PERFORM 1; END $$;\nSELECT 3";
        assert_eq!(
            pieces(text),
            vec![
                (2, "SELECT ';' FROM t".to_owned()),
                (4, "SELECT \"a;b\"\n  FROM t2".to_owned()),
                (6, "DO $$ BEGIN PERFORM 1; END $$".to_owned()),
                (7, "SELECT 3".to_owned()),
            ]
        );
    }

    #[test]
    fn skips_empty_statements_and_handles_multibyte_text() {
        assert_eq!(
            pieces(";;\n  SELECT 'é'; ;\n"),
            vec![(2, "SELECT 'é'".to_owned())]
        );
        assert!(pieces("-- only a comment\n").is_empty());
    }

    #[test]
    fn an_unterminated_string_is_an_error() {
        assert!(split_statements("SELECT 'oops").is_err());
    }
}
