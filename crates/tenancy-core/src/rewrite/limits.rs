//! Bounds on what one statement may cost, checked before the parser builds a syntax tree.
//!
//! sqlparser builds operator chains (`a OR b OR ...`, `x::int::int`, `q UNION q UNION ...`) in a
//! loop, so its parser never runs deep, but the tree it returns is as deep as the chain is long.
//! Every pass over that tree that recurses without growing its stack overflows on a deep enough
//! tree and aborts the process: the compiler-generated `Drop`, `Clone` and `PartialEq`, and the
//! walker. [`check_tokens`] computes an upper bound of the tree's depth from the token vector the
//! parser is about to consume and refuses the statement above [`MAX_DEPTH`]. The measurements the
//! limit rests on are in `docs/rewriter.md` ("Limits").

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::statement::refused;
use crate::error::{Error, RefusalKind};

/// The largest statement text accepted, in bytes: tokens take several times the text's size, so
/// this bounds the memory one rewrite can take (PostgreSQL's own limit is 1 GiB).
pub(super) const MAX_SQL_BYTES: usize = 8 * 1024 * 1024;

/// The largest accepted depth bound ([`depth_bound`]). A debug build overflows a 2 MiB thread at
/// about 1,800 on the worst shape measured (comparing two parsed trees of an `OR` chain); this
/// leaves twice that margin and lets ordinary large statements through.
pub(super) const MAX_DEPTH: usize = 900;

/// How deep sqlparser may recurse while parsing the caller's statement. It bounds nesting
/// through brackets, subqueries and prefix operators; the depth bound covers what the parser
/// builds in loops. It is set explicitly, 10 below sqlparser's default of 50, so the rewritten
/// statement re-parses with the default: a parenthesised `WHERE`, a filtered derived table or a
/// write guard nest the output a few levels deeper than the input, at its leaves.
pub(super) const PARSER_RECURSION_LIMIT: usize = 40;

/// The stack sqlparser's stack-growing passes (the parser, `Display` of expressions and set
/// operations, the derived visitors) keep free before they continue on a new heap segment. The
/// `recursive` crate's default, 128 KiB, is less than one step of a debug build's parser on
/// nested join groups takes: 45 nested `(a JOIN (b JOIN ...))` overflowed 2 MiB threads of
/// many sizes. 256 KiB measured clean; this is twice that.
const MIN_STACK_LEFT: usize = 512 * 1024;

/// Syntax-tree levels one bracket level may add (`(SELECT ...)` is a subquery, a query, a body,
/// a select and its clause), counted so the bound stays an upper bound.
const LEVELS_PER_BRACKET: usize = 5;

/// Makes sqlparser's recursive passes move to a new stack segment while [`MIN_STACK_LEFT`] is
/// still free. The setting is process-wide; it is only ever raised, never lowered.
pub(super) fn reserve_stack() {
    if recursive::get_minimum_stack_size() < MIN_STACK_LEFT {
        recursive::set_minimum_stack_size(MIN_STACK_LEFT);
    }
}

/// Refuses text that is too long to rewrite in bounded memory.
pub(super) fn check_size(sql: &str) -> Result<(), Error> {
    if sql.len() <= MAX_SQL_BYTES {
        return Ok(());
    }
    Err(refused(
        &leading_keyword(sql),
        RefusalKind::TooLarge,
        None,
        &format!(
            "the statement is {} bytes long and the limit is {MAX_SQL_BYTES}: split it into \
             several statements, or bind large values as parameters",
            sql.len()
        ),
    ))
}

/// Refuses a statement whose syntax tree could be deeper than [`MAX_DEPTH`].
pub(super) fn check_tokens(sql: &str, tokens: &[TokenWithSpan]) -> Result<(), Error> {
    let bound = depth_bound(tokens);
    if bound <= MAX_DEPTH {
        return Ok(());
    }
    Err(too_deep(
        sql,
        &format!(
            "its syntax tree could be {bound} levels deep and the limit is {MAX_DEPTH} (operator \
             chains, set operations, table references and brackets count)"
        ),
    ))
}

/// The refusal for a statement nested too deeply, by the depth bound or by the parser's
/// recursion limit (`what` says which), with what to do instead.
pub(super) fn too_deep(sql: &str, what: &str) -> Error {
    refused(
        &leading_keyword(sql),
        RefusalKind::TooLarge,
        None,
        &format!(
            "{what}: compare with `= ANY($1)` and bind an array instead of a long OR chain, use \
             IN (...) lists, split many UNION arms over several statements, or move nested \
             subqueries into a WITH clause"
        ),
    )
}

/// The most CTEs one `WITH` may declare: each CTE sees the ones before it, so the scoping passes
/// cost time in the square of their number (10,000 took seconds).
pub(super) const MAX_CTES: usize = 1_000;

/// The refusal for a `WITH` list longer than [`MAX_CTES`].
pub(super) fn too_many_ctes(sql: &str) -> Error {
    refused(
        &leading_keyword(sql),
        RefusalKind::TooLarge,
        None,
        &format!(
            "one WITH declares more than {MAX_CTES} CTEs; split the work over several statements"
        ),
    )
}

/// The refusal when sqlparser's recursion limit stops the parser.
pub(super) fn parser_too_deep(sql: &str) -> Error {
    too_deep(
        sql,
        &format!(
            "it nests brackets, subqueries or prefix operators deeper than the parser's limit of \
             {PARSER_RECURSION_LIMIT} levels"
        ),
    )
}

/// The statement's first word, upper-cased, to name it in a refusal without reading the rest.
pub(super) fn leading_keyword(sql: &str) -> String {
    let word = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default();
    if word.is_empty() {
        "statement".to_owned()
    } else {
        word.to_ascii_uppercase()
    }
}

/// One bracket level while counting: chain tokens since the last comma, the deepest child level
/// closed since then, the deepest comma-separated segment so far, the set operations, and the
/// table references of the current set-operation arm (and of the arm with the most).
#[derive(Default)]
struct Level {
    chain: usize,
    child: usize,
    deepest: usize,
    set_operations: usize,
    in_from: bool,
    references: usize,
    most_references: usize,
}

impl Level {
    fn end_segment(&mut self) {
        self.deepest = self.deepest.max(self.chain + self.child);
        self.chain = 0;
        self.child = 0;
    }

    fn end_arm(&mut self) {
        self.set_operations += 1;
        self.most_references = self.most_references.max(self.references);
        self.references = 0;
        self.in_from = false;
    }

    fn comma(&mut self) {
        self.end_segment();
        self.references += usize::from(self.in_from);
    }

    fn bound(mut self) -> usize {
        self.end_segment();
        self.set_operations
            + self.most_references.max(self.references)
            + self.deepest
            + LEVELS_PER_BRACKET
    }

    fn word(&mut self, keyword: Keyword) {
        match keyword {
            Keyword::UNION | Keyword::INTERSECT | Keyword::EXCEPT | Keyword::MINUS => {
                self.end_arm();
            }
            Keyword::FROM | Keyword::USING => {
                self.in_from = true;
                self.references += 1;
            }
            Keyword::JOIN | Keyword::INTO | Keyword::UPDATE => self.references += 1,
            Keyword::WHERE
            | Keyword::GROUP
            | Keyword::HAVING
            | Keyword::WINDOW
            | Keyword::QUALIFY
            | Keyword::ORDER
            | Keyword::LIMIT
            | Keyword::OFFSET
            | Keyword::FETCH
            | Keyword::FOR
            | Keyword::RETURNING
            | Keyword::SET
            | Keyword::VALUES
            | Keyword::SELECT => self.in_from = false,
            keyword if chains(keyword) => self.chain += 1,
            _ => {}
        }
    }
}

/// An upper bound of the depth of the syntax tree the parser builds from `tokens`.
///
/// A node deeper than its parent is built either by the parser recursing (through brackets,
/// bounded by [`PARSER_RECURSION_LIMIT`] as well) or by a loop consuming an operator token. So
/// per bracket level the bound is the level's set operations plus the most chain tokens in one
/// comma-separated segment (with the deepest bracket level closed inside it), plus a constant.
/// Operands of one operator chain never straddle a comma at their own level, so lists (`IN`
/// lists, VALUES rows, select lists, arguments) count as their deepest element, not their sum;
/// set operations do straddle commas (`SELECT a, b UNION SELECT c, d`) and are never reset.
/// Literals, names, placeholders and `.` (sqlparser collects field access in a flat list) add
/// nothing.
///
/// The bound also covers the tree the rewriter returns, which the verifier re-parses and
/// compares: each table reference may add one conjunct to its level's `WHERE` (or `ON`), so
/// each `FROM`, `USING`, `JOIN`, `INTO`, `UPDATE` and comma of a `FROM` list counts once, per
/// set-operation arm (the arms' filters are not on one path).
pub(super) fn depth_bound(tokens: &[TokenWithSpan]) -> usize {
    let mut stack = vec![Level::default()];
    for token in tokens {
        let Some(top) = stack.last_mut() else {
            break;
        };
        match &token.token {
            Token::Comma => top.comma(),
            Token::LParen | Token::LBrace => stack.push(Level::default()),
            Token::LBracket => {
                top.chain += 1;
                stack.push(Level::default());
            }
            Token::RParen | Token::RBrace | Token::RBracket => close(&mut stack),
            Token::Word(word) if word.quote_style.is_none() => top.word(word.keyword),
            token if !flat(token) => top.chain += 1,
            _ => {}
        }
    }
    while stack.len() > 1 {
        close(&mut stack);
    }
    stack.pop().map_or(0, Level::bound)
}

/// Closes the innermost bracket level; a stray closing bracket (a syntax error the parser
/// reports) is ignored.
fn close(stack: &mut Vec<Level>) {
    if stack.len() > 1
        && let Some(level) = stack.pop()
        && let Some(parent) = stack.last_mut()
    {
        parent.child = parent.child.max(level.bound());
    }
}

/// Keywords that sqlparser's expression loop treats as operators (its dialects'
/// `get_next_precedence`), the prefix `NOT`, and `CASE`.
fn chains(keyword: Keyword) -> bool {
    matches!(
        keyword,
        Keyword::OR
            | Keyword::AND
            | Keyword::XOR
            | Keyword::NOT
            | Keyword::IS
            | Keyword::NOTNULL
            | Keyword::IN
            | Keyword::BETWEEN
            | Keyword::OVERLAPS
            | Keyword::LIKE
            | Keyword::ILIKE
            | Keyword::RLIKE
            | Keyword::REGEXP
            | Keyword::MATCH
            | Keyword::GLOB
            | Keyword::SIMILAR
            | Keyword::MEMBER
            | Keyword::OPERATOR
            | Keyword::DIV
            | Keyword::COLLATE
            | Keyword::AT
            | Keyword::ESCAPE
            | Keyword::GLOBAL
            | Keyword::CASE
    )
}

/// Tokens that never make the tree deeper: every other non-word token is an operator (or
/// punctuation that only an operator-like construct uses) and counts.
fn flat(token: &Token) -> bool {
    matches!(
        token,
        Token::EOF
            | Token::Whitespace(_)
            | Token::Word(_)
            | Token::Number(..)
            | Token::Char(_)
            | Token::Placeholder(_)
            | Token::SemiColon
            | Token::Period
            | Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::TripleSingleQuotedString(_)
            | Token::TripleDoubleQuotedString(_)
            | Token::DollarQuotedString(_)
            | Token::SingleQuotedByteStringLiteral(_)
            | Token::DoubleQuotedByteStringLiteral(_)
            | Token::TripleSingleQuotedByteStringLiteral(_)
            | Token::TripleDoubleQuotedByteStringLiteral(_)
            | Token::SingleQuotedRawStringLiteral(_)
            | Token::DoubleQuotedRawStringLiteral(_)
            | Token::TripleSingleQuotedRawStringLiteral(_)
            | Token::TripleDoubleQuotedRawStringLiteral(_)
            | Token::NationalStringLiteral(_)
            | Token::QuoteDelimitedStringLiteral(_)
            | Token::NationalQuoteDelimitedStringLiteral(_)
            | Token::EscapedStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::HexStringLiteral(_)
    )
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    use super::*;

    fn bound(sql: &str) -> usize {
        match Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize_with_location() {
            Ok(tokens) => depth_bound(&tokens),
            Err(e) => panic!("{sql}: {e}"),
        }
    }

    #[test]
    fn chains_count_once_per_operator() {
        let base = bound("SELECT a FROM t WHERE a");
        assert_eq!(bound("SELECT a FROM t WHERE a OR b OR c"), base + 2);
        assert_eq!(bound("SELECT a FROM t WHERE a = 1 AND b = 2"), base + 3);
        assert_eq!(bound("SELECT a::int::int FROM t WHERE a"), base + 2);
        assert_eq!(
            bound("SELECT a FROM t UNION SELECT a FROM t WHERE a"),
            base + 1
        );
        // Quoted names and strings that spell operators are not operators.
        assert_eq!(bound("SELECT \"or\", 'AND' FROM t WHERE a"), base);
    }

    #[test]
    fn lists_count_their_deepest_element_and_set_operations_their_sum() {
        let one = bound("SELECT a FROM t WHERE a IN ($1)");
        let many = (1..=5_000)
            .map(|i| format!("${i}::int"))
            .collect::<Vec<_>>();
        assert_eq!(
            bound(&format!("SELECT a FROM t WHERE a IN ({})", many.join(", "))),
            one + 1
        );
        let arms = vec!["SELECT a, b FROM t"; 50].join(" UNION ALL ");
        assert_eq!(bound(&arms), 49 + 1 + LEVELS_PER_BRACKET);
    }

    #[test]
    fn table_references_count_once_per_arm() {
        let one = bound("SELECT a FROM t WHERE a");
        assert_eq!(bound("SELECT a FROM t, u, v WHERE a"), one + 2);
        assert_eq!(bound("SELECT a FROM t JOIN u ON true WHERE a"), one + 1);
        // Commas outside FROM lists are not references.
        assert_eq!(bound("SELECT a, b, c FROM t WHERE a ORDER BY a, b"), one);
        assert_eq!(
            bound("INSERT INTO t (a, b) VALUES (1, 2), (3, 4)"),
            bound("INSERT INTO t (a, b) VALUES (1, 2)")
        );
        // Arms of a set operation each have their own filter.
        assert_eq!(
            bound("SELECT a FROM t, u UNION SELECT a FROM v, w"),
            bound("SELECT a FROM t, u") + 1
        );
    }

    #[test]
    fn brackets_add_their_nesting() {
        let flat = bound("SELECT a");
        assert_eq!(bound("SELECT ((a))"), flat + 2 * LEVELS_PER_BRACKET);
        assert_eq!(
            bound("SELECT (a + (b + c)) + d"),
            flat + 3 + 2 * LEVELS_PER_BRACKET
        );
        // Unbalanced brackets (syntax errors) still give a bound.
        assert!(bound("SELECT ((((a") >= flat + 4 * LEVELS_PER_BRACKET);
        assert_eq!(bound("SELECT a))"), flat);
    }
}
