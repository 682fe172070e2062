//! Lexical safety: sqlparser must split the text into the tokens PostgreSQL will, or refuse.
//!
//! Where the two disagree about what is SQL and what is a string, comment or name, the rewriter
//! would scope a statement PostgreSQL does not run; and a statement the rewriter judges free of
//! tenant tables goes out as the caller's exact text. Each case below was found by tokenizing
//! with sqlparser 0.64 and running the text on PostgreSQL 15 (`tests/rewrite_lexical.rs` keeps
//! them); what both read alike (nested block comments, `'\'` in standard strings, `E'\''`,
//! `$tag$` bodies, `U&'...'` strings, `a$$` names) is accepted.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Word};

use super::limits::leading_keyword;
use super::statement::refused;
use crate::error::{Error, RefusalKind};

/// Refuses text holding a NUL byte: PostgreSQL's protocol ends the text there.
pub(super) fn check_text(sql: &str) -> Result<(), Error> {
    if sql.contains('\0') {
        return Err(Error::Parse {
            message: "the text holds a NUL byte (\\0), which PostgreSQL cannot receive: remove \
                      it"
            .to_owned(),
            source: None,
        });
    }
    Ok(())
}

/// Refuses token sequences that PostgreSQL reads differently than sqlparser.
pub(super) fn check_tokens(sql: &str, tokens: &[TokenWithSpan]) -> Result<(), Error> {
    for (i, token) in tokens.iter().enumerate() {
        if let Some(reason) = differs(&token.token, &tokens[i + 1..]) {
            return Err(refused(
                &leading_keyword(sql),
                RefusalKind::Shape,
                None,
                reason,
            ));
        }
    }
    Ok(())
}

/// Why PostgreSQL reads `token` (followed by `rest`) other than sqlparser does, if it does.
/// Names, numbers, punctuation and whitespace, most of any statement, return at the first match.
fn differs(token: &Token, rest: &[TokenWithSpan]) -> Option<&'static str> {
    let next = rest.first().map(|t| &t.token);
    match token {
        Token::Whitespace(_)
        | Token::Comma
        | Token::Number(..)
        | Token::Placeholder(_)
        | Token::LParen
        | Token::RParen
        | Token::Period
        | Token::SemiColon
        | Token::Eq
        | Token::EOF => None,
        // `U&"x"` is one identifier to PostgreSQL; sqlparser reads `U & "x"`, a bitwise AND.
        Token::Word(word) => (is_u(word)
            && matches!(next, Some(Token::Ampersand))
            && matches!(rest.get(1).map(|t| &t.token), Some(Token::Word(w)) if w.quote_style == Some('"')))
        .then_some(
            "U&\"...\" identifiers are not supported (sqlparser reads them as `U & \"...\"`); \
             write the name in plain double quotes",
        ),
        // sqlparser does not know UESCAPE and decodes the string with `\` instead.
        Token::UnicodeStringLiteral(_) if uescape_follows(rest) => Some(
            "UESCAPE is not supported; write the string with the default `\\` escape character \
             or as E'...'",
        ),
        // PostgreSQL does not start a dollar-quote tag with a digit: `$1$` is the parameter
        // `$1` followed by `$`, not the start of a string.
        Token::DollarQuotedString(quoted)
            if quoted
                .tag
                .as_deref()
                .is_some_and(|tag| tag.starts_with(|c: char| c.is_ascii_digit())) =>
        {
            Some(
                "a dollar-quote tag may not start with a digit (PostgreSQL reads `$1$` as the \
                 parameter $1); use a tag like $q$ or a plain string",
            )
        }
        token => match string_value(token) {
            Some(value) => value.contains('\0').then_some(
                "a string escape produces a NUL byte, which PostgreSQL cannot store in text; \
                 bind the value as a parameter",
            ),
            None => splits_comment(token, next.unwrap_or(&Token::EOF)).then_some(
                "`--` or `/*` inside an operator starts a comment in PostgreSQL but not in \
                 sqlparser; put a space between the operator and the comment",
            ),
        },
    }
}

fn is_u(word: &Word) -> bool {
    word.value.len() == 1 && word.quote_style.is_none() && word.value.eq_ignore_ascii_case("u")
}

/// Whether the next token other than whitespace and comments is `UESCAPE`.
fn uescape_follows(rest: &[TokenWithSpan]) -> bool {
    rest.iter()
        .find(|t| !matches!(t.token, Token::Whitespace(_)))
        .is_some_and(|t| {
            matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::UESCAPE)
        })
}

/// PostgreSQL ends an operator where `--` or `/*` begins inside it (its lexer's rule), so an
/// operator token of sqlparser that holds one, or that ends in `-` right before another `-`
/// (or in `/` before `*`), hides a comment start sqlparser does not see.
fn splits_comment(token: &Token, next: &Token) -> bool {
    let custom_token = custom(token);
    if custom_token.is_some_and(|t| t.contains("--") || t.contains("/*")) {
        return true;
    }
    let ends_dash = matches!(
        token,
        Token::Minus | Token::HashMinus | Token::QuestionMarkDash
    ) || custom_token.is_some_and(|t| t.ends_with('-'));
    let ends_slash = matches!(
        token,
        Token::Div | Token::DuckIntDiv | Token::PGSquareRoot | Token::PGCubeRoot
    ) || custom_token.is_some_and(|t| t.ends_with('/'));
    let custom_next = custom(next);
    let starts_dash = matches!(next, Token::Minus | Token::Arrow | Token::LongArrow)
        || custom_next.is_some_and(|t| t.starts_with('-'));
    let starts_star = matches!(next, Token::Mul) || custom_next.is_some_and(|t| t.starts_with('*'));
    (ends_dash && starts_dash) || (ends_slash && starts_star)
}

fn custom(token: &Token) -> Option<&str> {
    match token {
        Token::CustomBinaryOperator(text) => Some(text),
        _ => None,
    }
}

/// The decoded value of a string-literal token.
fn string_value(token: &Token) -> Option<&str> {
    match token {
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
        | Token::EscapedStringLiteral(text)
        | Token::UnicodeStringLiteral(text)
        | Token::HexStringLiteral(text) => Some(text),
        Token::DollarQuotedString(quoted) => Some(&quoted.value),
        Token::QuoteDelimitedStringLiteral(quoted)
        | Token::NationalQuoteDelimitedStringLiteral(quoted) => Some(&quoted.value),
        _ => None,
    }
}
