//! String literals and quoted identifiers that sqlparser would print back differently.
//!
//! sqlparser's `Display` does not double a quote that follows a backslash or another quote: it
//! assumes the text was escaped that way already. In PostgreSQL (standard-conforming strings,
//! the default since 9.1) a backslash is an ordinary character, so the string `\') OR 1=1 --`,
//! written `'\'') OR 1=1 --'`, would be printed as `'\') OR 1=1 --'`: the literal ends early and
//! the rest of it becomes SQL. A pair of quotes inside the text (`a''b`) would be printed as one.
//!
//! Before anything else runs, this pass rewrites such string literals as escape strings
//! (`E'\\'') OR 1=1 --'`), whose printing escapes every quote and backslash, and refuses the rare
//! literal kinds and quoted identifiers that have no such form. The token survey tells when a
//! statement has a quote or backslash inside any quoted token; the pass runs only then.

use std::ops::ControlFlow;

use sqlparser::ast::{Ident, Statement, Value, ValueWithSpan, VisitMut, VisitorMut};

use super::statement::refused;
use crate::error::{Error, RefusalKind};

/// Makes every string literal and quoted identifier of `statement` print back exactly.
pub(super) fn make_printable(statement: &mut Statement) -> Result<(), Error> {
    match statement.visit(&mut Printable) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(error) => Err(error),
    }
}

/// Whether `text`, quoted with `quote`, would be printed back differently by sqlparser.
pub(super) fn misprinted(text: &str, quote: char) -> bool {
    let mut previous = None;
    for c in text.chars() {
        if c == quote && matches!(previous, Some(p) if p == '\\' || p == quote) {
            return true;
        }
        previous = Some(c);
    }
    false
}

struct Printable;

impl VisitorMut for Printable {
    type Break = Error;

    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<Error> {
        match &mut value.value {
            Value::SingleQuotedString(text) if misprinted(text, '\'') => {
                // E'...' prints every quote as \' and every backslash as \\.
                value.value = Value::EscapedStringLiteral(std::mem::take(text));
                ControlFlow::Continue(())
            }
            Value::NationalStringLiteral(text)
            | Value::HexStringLiteral(text)
            | Value::SingleQuotedByteStringLiteral(text)
            | Value::SingleQuotedRawStringLiteral(text)
                if misprinted(text, '\'') =>
            {
                ControlFlow::Break(unprintable("a string literal"))
            }
            Value::DoubleQuotedString(text)
            | Value::DoubleQuotedByteStringLiteral(text)
            | Value::DoubleQuotedRawStringLiteral(text)
                if misprinted(text, '"') =>
            {
                ControlFlow::Break(unprintable("a string literal"))
            }
            // Printed with no escaping at all.
            Value::TripleSingleQuotedString(text)
            | Value::TripleSingleQuotedByteStringLiteral(text)
            | Value::TripleSingleQuotedRawStringLiteral(text)
                if text.contains('\'') =>
            {
                ControlFlow::Break(unprintable("a string literal"))
            }
            Value::TripleDoubleQuotedString(text)
            | Value::TripleDoubleQuotedByteStringLiteral(text)
            | Value::TripleDoubleQuotedRawStringLiteral(text)
                if text.contains('"') =>
            {
                ControlFlow::Break(unprintable("a string literal"))
            }
            _ => ControlFlow::Continue(()),
        }
    }

    fn pre_visit_ident(&mut self, ident: &mut Ident) -> ControlFlow<Error> {
        match ident.quote_style {
            Some(quote) if misprinted(&ident.value, quote) => {
                ControlFlow::Break(unprintable("a quoted identifier"))
            }
            _ => ControlFlow::Continue(()),
        }
    }
}

fn unprintable(what: &str) -> Error {
    refused(
        "statement",
        RefusalKind::Unprintable,
        None,
        &format!(
            "{what} has a quote right after a backslash or another quote, which cannot be \
             reproduced exactly; pass the value as a bind parameter"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_quotes_after_a_backslash_or_a_quote_are_misprinted() {
        assert!(misprinted("\\') OR 1=1 --", '\''));
        assert!(misprinted("a''b", '\''));
        assert!(misprinted("a\\\"", '"'));
        assert!(!misprinted("it's", '\''));
        assert!(!misprinted("C:\\path", '\''));
        assert!(!misprinted("a'b'c", '\''));
        assert!(!misprinted("a\\'", '"'));
    }
}
