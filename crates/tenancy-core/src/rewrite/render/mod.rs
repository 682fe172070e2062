//! Renders a statement as SQL text by hand, for speed.
//!
//! sqlparser's `Display` goes through `core::fmt` for every node: a `Formatter`, dynamic
//! dispatch, and pretty-printing wrappers that do nothing in the plain `{}` form. This renderer
//! writes the common node kinds straight into a `String` and hands every other node, whole, to
//! its `Display` impl. For each node it handles, it writes exactly the bytes sqlparser's
//! non-alternate `Display` writes, so the text is the same either way; debug builds check that
//! on every rewrite (`statement::render`), and the tests here check it for a broad list of
//! statements. The text is what PostgreSQL runs, so any difference (a dropped parenthesis, a
//! missing space) is a bug, never a style choice.
//!
//! Which nodes are plain is decided by the predicates in `shape.rs`, shared with the verifier's
//! fast path, and by destructuring structs without `..` here, so a field added by a sqlparser
//! upgrade fails to compile instead of being left out of the text.

use std::fmt::{self, Display, Write as _};

use sqlparser::ast::Statement;

use super::shape::{plain_insert, plain_update};

mod dml;
mod expr;
mod query;

use self::dml::*;
use self::expr::*;
use self::query::*;

/// The chars sqlparser's tokenizer treats as operator chars (`OPERATOR_CHARS`, crate-private):
/// a prefix `-` or `!` gets a space before an operand that starts with one of them.
const OPERATOR_CHARS: &str = "+-*/<>=~!@%#^&|";

/// Appends `statement` to `out`, byte for byte as `statement.to_string()` writes it.
///
/// Fails only when a `Display` fallback fails.
pub(super) fn statement(out: &mut String, statement: &Statement) -> fmt::Result {
    match statement {
        Statement::Query(query) => self::query(out, query),
        Statement::Update(update)
            if plain_update(update) && update.or.is_none() && update.on_cluster.is_none() =>
        {
            self::update(out, update)
        }
        Statement::Delete(delete) if plain_delete(delete) => self::delete(out, delete),
        Statement::Insert(insert) if plain_insert(insert) => self::insert(out, insert),
        _ => display(out, statement),
    }
}

/// The fallback for every node not written by hand: sqlparser's own `Display`.
fn display(out: &mut String, node: &impl Display) -> fmt::Result {
    #[cfg(test)]
    FALLBACKS.with(|count| count.set(count.get() + 1));
    write!(out, "{node}")
}

#[cfg(test)]
thread_local! {
    /// How often [`display`] ran on this thread, for the tests.
    static FALLBACKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Writes `items` separated by `", "`.
fn comma_separated<T>(
    out: &mut String,
    items: &[T],
    mut each: impl FnMut(&mut String, &T) -> fmt::Result,
) -> fmt::Result {
    let mut items = items.iter();
    if let Some(first) = items.next() {
        each(out, first)?;
    }
    for item in items {
        out.push_str(", ");
        each(out, item)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
