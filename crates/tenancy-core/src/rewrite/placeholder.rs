//! Rule 6: the tenant is `$N` with N one past the highest placeholder already in the statement.
//!
//! Only `$1` to `$65535` are parameters to PostgreSQL, and it reads `$01` as `$1`. Any other
//! placeholder token is refused, so a number that does not parse can never hide the highest
//! placeholder and make the tenant parameter collide with the caller's.
//!
//! The survey reads the token stream the parser is about to consume, so it costs one pass over a
//! flat vector instead of a walk over the syntax tree. It also counts the keywords that start a
//! query, so the walker can stop searching expressions for subqueries once it has entered them all.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::statement::refused;
use crate::error::{Error, RefusalKind};

/// The highest parameter number PostgreSQL accepts (its protocol counts them in 16 bits).
pub(super) const MAX_PARAMETER: usize = 65_535;

/// What one pass over the statement's tokens found.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Survey {
    /// The first placeholder number the statement does not use (`$1` when it has none).
    pub(super) next_free: usize,
    /// How many `SELECT`, `VALUES` and `TABLE` keywords the statement holds: every query body
    /// the parser builds starts with one, so the syntax tree has at most this many. An over-count
    /// only costs the walker a search; an under-count could hide a subquery from the walker, and
    /// the verification pass refuses any tenant table the walker did not scope.
    pub(super) query_keywords: usize,
    /// Whether a string literal or quoted identifier holds a quote or a backslash: then
    /// `literal::make_printable` must check how it prints back.
    pub(super) quotes_inside: bool,
}

/// Surveys the tokens of one statement. Only placeholder tokens count: `'$1'` inside a string
/// literal or a dollar-quoted body is a string token, not a placeholder.
///
/// # Errors
/// [`Error::Parse`] for a placeholder that is not `$1` to `$65535`; [`Error::Refused`] when the
/// statement uses `$65535` and leaves no number for the tenant.
pub(super) fn survey(tokens: &[TokenWithSpan]) -> Result<Survey, Error> {
    let mut highest = 0;
    let mut query_keywords = 0;
    let mut quotes_inside = false;
    for token in tokens {
        match &token.token {
            Token::Placeholder(text) => highest = highest.max(number(text)?),
            Token::Word(word) if word.quote_style.is_some() => {
                quotes_inside |= has_quote_or_backslash(&word.value);
            }
            Token::SingleQuotedString(text)
            | Token::DoubleQuotedString(text)
            | Token::TripleSingleQuotedString(text)
            | Token::TripleDoubleQuotedString(text)
            | Token::SingleQuotedByteStringLiteral(text)
            | Token::DoubleQuotedByteStringLiteral(text)
            | Token::TripleSingleQuotedByteStringLiteral(text)
            | Token::TripleDoubleQuotedByteStringLiteral(text)
            | Token::SingleQuotedRawStringLiteral(text)
            | Token::DoubleQuotedRawStringLiteral(text)
            | Token::TripleSingleQuotedRawStringLiteral(text)
            | Token::TripleDoubleQuotedRawStringLiteral(text)
            | Token::NationalStringLiteral(text)
            | Token::HexStringLiteral(text) => {
                quotes_inside |= has_quote_or_backslash(text);
            }
            Token::Word(word) => {
                if matches!(
                    word.keyword,
                    Keyword::SELECT | Keyword::VALUES | Keyword::TABLE
                ) {
                    query_keywords += 1;
                }
            }
            _ => {}
        }
    }
    if highest >= MAX_PARAMETER {
        return Err(refused(
            "statement",
            RefusalKind::TooLarge,
            None,
            "it uses parameter $65535, PostgreSQL's highest, and the tenant needs one more: bind \
             fewer parameters, e.g. one array compared with `= ANY($1)`",
        ));
    }
    Ok(Survey {
        next_free: highest + 1,
        query_keywords,
        quotes_inside,
    })
}

/// The number of a placeholder token, which must be `$` and digits naming 1 to 65535.
fn number(text: &str) -> Result<usize, Error> {
    let digits = text.strip_prefix('$').unwrap_or(text);
    let significant = digits.trim_start_matches('0');
    let valid = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    match significant.parse::<usize>() {
        Ok(n) if valid && significant.len() <= 5 && (1..=MAX_PARAMETER).contains(&n) => Ok(n),
        _ => Err(Error::Parse {
            message: format!("`{text}` is not a PostgreSQL parameter: parameters are $1 to $65535"),
            source: None,
        }),
    }
}

fn has_quote_or_backslash(text: &str) -> bool {
    text.contains(['\'', '"', '\\'])
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    use super::*;

    fn survey_of(sql: &str) -> Survey {
        match Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize_with_location() {
            Ok(tokens) => match survey(&tokens) {
                Ok(survey) => survey,
                Err(e) => panic!("{sql}: {e}"),
            },
            Err(e) => panic!("{sql}: {e}"),
        }
    }

    #[test]
    fn next_free_is_one_past_the_highest_placeholder() {
        assert_eq!(survey_of("SELECT 1").next_free, 1);
        assert_eq!(survey_of("SELECT $2, $10, $3").next_free, 11);
        // Strings, dollar-quoted bodies and identifiers are not placeholders.
        assert_eq!(
            survey_of("SELECT '$7', $q$ $9 $q$, \"$8\" FROM t WHERE a = $1").next_free,
            2
        );
    }

    #[test]
    fn placeholders_are_read_as_postgresql_reads_them() {
        // PostgreSQL reads `$01` as `$1`.
        assert_eq!(survey_of("SELECT $01, $0002").next_free, 3);
        assert_eq!(survey_of("SELECT $65534").next_free, MAX_PARAMETER);
    }

    #[test]
    fn placeholders_outside_postgresql_range_are_refused() {
        for sql in [
            "SELECT $0",
            "SELECT $65536",
            "SELECT $99999999999999999999",
            "SELECT $000000000000000000000065536",
            "SELECT $1abc",
        ] {
            let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
                .tokenize_with_location()
                .unwrap_or_default();
            assert!(matches!(survey(&tokens), Err(Error::Parse { .. })), "{sql}");
        }
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, "SELECT $65535")
            .tokenize_with_location()
            .unwrap_or_default();
        assert!(matches!(
            survey(&tokens),
            Err(Error::Refused {
                kind: RefusalKind::TooLarge,
                ..
            })
        ));
    }

    #[test]
    fn quotes_or_backslashes_inside_quoted_tokens_are_noticed() {
        for sql in [
            "SELECT * FROM t WHERE a = 'it''s'",
            "SELECT * FROM t WHERE a = 'C:\\dir'",
            "SELECT \"a\"\"b\" FROM t",
            "SELECT * FROM t WHERE a = N'x''y'",
        ] {
            assert!(survey_of(sql).quotes_inside, "{sql}");
        }
        for sql in [
            "SELECT * FROM t WHERE a = 'plain' AND b = \"Mixed\"",
            "SELECT * FROM t WHERE a = E'it\\'s' AND b = $$it's$$",
        ] {
            assert!(!survey_of(sql).quotes_inside, "{sql}");
        }
    }

    #[test]
    fn query_keywords_are_counted_outside_strings_and_quoted_names() {
        for (sql, expected) in [
            ("UPDATE t SET a = 1 WHERE b = 2", 0),
            ("DELETE FROM t WHERE id = $1", 0),
            ("SELECT id FROM t WHERE a = $1", 1),
            ("INSERT INTO t (a) VALUES ($1)", 1),
            ("SELECT \"select\", 'VALUES' FROM t", 1),
            ("UPDATE t SET a = (SELECT max(a) FROM s)", 1),
            ("SELECT id FROM t WHERE a IN (SELECT a FROM s)", 2),
            ("WITH c AS (SELECT 1) SELECT * FROM c", 2),
            ("INSERT INTO t (a) VALUES ((SELECT 1)) RETURNING a", 2),
            (
                "SELECT * FROM t WHERE a = ANY(ARRAY(VALUES (1))) UNION TABLE s",
                3,
            ),
        ] {
            assert_eq!(survey_of(sql).query_keywords, expected, "{sql}");
        }
    }
}
