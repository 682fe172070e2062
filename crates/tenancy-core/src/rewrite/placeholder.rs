//! Rule 6: the tenant is `$N` with N one past the highest placeholder already in the statement.
//!
//! The survey reads the token stream the parser is about to consume, so it costs one pass over a
//! flat vector instead of a walk over the syntax tree. It also tells whether the statement can hold
//! a query inside an expression, so the walker can skip searching expressions in the common
//! statement that has none.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

/// What one pass over the statement's tokens found.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Survey {
    /// The first placeholder number the statement does not use (`$1` when it has none).
    pub(super) next_free: usize,
    /// Whether a query may appear inside an expression (scalar, IN, EXISTS, ARRAY(...), ...).
    /// Conservative: `true` whenever the statement holds more query keywords than its own top
    /// level accounts for. A wrong `false` could only hide a subquery from the walker, and the
    /// verification pass refuses any tenant table the walker did not scope.
    pub(super) expression_subqueries: bool,
}

/// Surveys the tokens of one statement. Only placeholder tokens count: `'$1'` inside a string
/// literal or a dollar-quoted body is a string token, not a placeholder.
pub(super) fn survey(tokens: &[TokenWithSpan]) -> Survey {
    let mut highest = 0;
    let mut query_keywords = 0;
    let mut first_keyword = None;
    for token in tokens {
        match &token.token {
            Token::Placeholder(text) => {
                if let Some(n) = text.strip_prefix('$').and_then(|d| d.parse::<usize>().ok()) {
                    highest = highest.max(n);
                }
            }
            Token::Word(word) if word.quote_style.is_none() => {
                if first_keyword.is_none() {
                    first_keyword = Some(word.keyword);
                }
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
    // A statement that is itself a query (or an INSERT fed by one) owns one query keyword.
    let own = match first_keyword {
        Some(Keyword::SELECT | Keyword::VALUES | Keyword::TABLE | Keyword::INSERT) => 1,
        _ => 0,
    };
    Survey {
        next_free: highest + 1,
        expression_subqueries: query_keywords > own,
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    use super::*;

    fn survey_of(sql: &str) -> Survey {
        match Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize_with_location() {
            Ok(tokens) => survey(&tokens),
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
    fn expression_subqueries_are_detected_conservatively() {
        for sql in [
            "SELECT id FROM t WHERE a = $1",
            "INSERT INTO t (a) VALUES ($1)",
            "INSERT INTO t (a) SELECT a FROM s",
            "UPDATE t SET a = 1 WHERE b = 2",
            "DELETE FROM t WHERE id = $1",
            "SELECT \"select\" FROM t",
        ] {
            assert!(!survey_of(sql).expression_subqueries, "{sql}");
        }
        for sql in [
            "SELECT id FROM t WHERE a IN (SELECT a FROM s)",
            "UPDATE t SET a = (SELECT max(a) FROM s)",
            "DELETE FROM t WHERE EXISTS (SELECT 1 FROM s)",
            "INSERT INTO t (a) VALUES ((SELECT 1)) RETURNING a",
            "WITH c AS (SELECT 1) SELECT * FROM c",
            "EXPLAIN SELECT 1",
            "SELECT * FROM t WHERE a = ANY(ARRAY(VALUES (1)))",
        ] {
            assert!(survey_of(sql).expression_subqueries, "{sql}");
        }
    }
}
