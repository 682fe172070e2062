//! Hostile variations of generated statements, for the rewriter's fuzzer (`tests/fuzz.rs`).
//!
//! A case is a generated `SELECT` ([`crate::generator::build`]) with zero to three mutations:
//! deep nesting, long operator and set-operation chains, fragments that play with quoting,
//! comments, dollar quotes and placeholders spliced in anywhere, and random characters. Most
//! mutants are not valid SQL; the rewriter must still answer each one with a typed error or a
//! statement that re-parses, never a panic or a stack overflow.

use std::fmt::Write as _;

use proptest::prelude::*;

use crate::generator::{build, choices};

/// Text spliced into statements: quoting, comments, dollar quotes, placeholders and names that
/// sqlparser and PostgreSQL might read differently.
pub const FRAGMENTS: [&str; 48] = [
    "'",
    "''",
    "\"",
    "\\",
    "\\'",
    "$$",
    "$1$",
    "$q$",
    "$ä$",
    "--",
    "-- x\n",
    "/*",
    "*/",
    "/* /* */",
    "/* /* */ */",
    "\0",
    "\n",
    "\r",
    "\u{b}",
    "\u{c}",
    "\u{a0}",
    "\u{2028}",
    "U&",
    "U&\"tasks\"",
    "U&'\\0027'",
    " UESCAPE '!'",
    "E'\\''",
    "e'\\\\'",
    "N'",
    "B'",
    "X'",
    ";",
    "(",
    ")",
    "[",
    "::int",
    "$0",
    "$1",
    "$65535",
    "$65536",
    "$99999999999999999999",
    "$01",
    "?--",
    "#--",
    "|/*",
    " OR true",
    " UNION ALL SELECT NULL, NULL FROM tasks",
    ", tasks",
];

/// The largest text a `UnionChain` builds, in bytes: chains of chains multiply, and the
/// rewriter refuses anything over 8 MiB unread anyway.
pub const MAX_CHAIN_BYTES: usize = 4 * 1024 * 1024;

/// One hostile change to a statement.
#[derive(Clone, Debug)]
pub enum Mutation {
    /// Insert a fragment into the text.
    Splice {
        /// Byte position, modulo the length, moved back to a char boundary.
        at: usize,
        /// Index into [`FRAGMENTS`].
        fragment: usize,
    },
    /// Replace some bytes by a fragment.
    Replace {
        /// Byte position, as for `Splice`.
        at: usize,
        /// How many bytes to replace.
        len: usize,
        /// Index into [`FRAGMENTS`].
        fragment: usize,
    },
    /// Insert arbitrary characters.
    Characters {
        /// Byte position, as for `Splice`.
        at: usize,
        /// The characters.
        text: String,
    },
    /// `(s) UNION ALL (s) ...`, `n` arms (fewer when the text would pass [`MAX_CHAIN_BYTES`]).
    UnionChain(usize),
    /// Filter the statement's rows through an `OR` chain of `n` terms.
    OrChain(usize),
    /// `NOT NOT ... true` with `n` NOTs.
    NotChain(usize),
    /// `ids::int[]::int[]...` with `n` casts.
    CastChain(usize),
    /// `n` nested derived tables around the statement.
    NestedQueries(usize),
    /// `n` nested parentheses around a predicate.
    NestedParentheses(usize),
    /// `n` nested join groups over a tenant table.
    NestedJoins(usize),
}

/// A base statement's choice numbers, the tenant index to run for, and the mutations.
#[derive(Clone, Debug)]
pub struct Case {
    /// Choices for [`build`].
    pub numbers: Vec<u32>,
    /// Index into [`crate::schema::TENANTS`].
    pub tenant_index: usize,
    /// Applied in order.
    pub mutations: Vec<Mutation>,
}

impl Case {
    /// The statement text of this case.
    #[must_use]
    pub fn sql(&self) -> String {
        self.mutations
            .iter()
            .fold(build(&self.numbers), |sql, m| m.apply(&sql))
    }
}

/// Sizes for chains and nesting: mostly small, sometimes around the limits, sometimes huge.
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        4 => 1..20_usize,
        2 => 20..600_usize,
        1 => 600..3_000_usize,
        1 => 3_000..30_000_usize,
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let fragment = 0..FRAGMENTS.len();
    prop_oneof![
        6 => (any::<usize>(), fragment.clone())
            .prop_map(|(at, fragment)| Mutation::Splice { at, fragment }),
        2 => (any::<usize>(), 1..12_usize, fragment)
            .prop_map(|(at, len, fragment)| Mutation::Replace { at, len, fragment }),
        2 => (any::<usize>(), "\\PC{1,4}|[\\x00-\\x20'\"\\\\$;()*/-]{1,4}")
            .prop_map(|(at, text)| Mutation::Characters { at, text }),
        1 => size().prop_map(Mutation::UnionChain),
        1 => size().prop_map(Mutation::OrChain),
        1 => size().prop_map(Mutation::NotChain),
        1 => size().prop_map(Mutation::CastChain),
        1 => (1..80_usize).prop_map(Mutation::NestedQueries),
        1 => (1..120_usize).prop_map(Mutation::NestedParentheses),
        1 => (1..80_usize).prop_map(Mutation::NestedJoins),
    ]
}

/// The fuzzer's strategy: a generated statement and up to three mutations.
pub fn cases() -> impl Strategy<Value = Case> {
    (choices(), prop::collection::vec(mutation(), 0..=3)).prop_map(
        |((numbers, tenant_index), mutations)| Case {
            numbers,
            tenant_index,
            mutations,
        },
    )
}

impl Mutation {
    fn apply(&self, sql: &str) -> String {
        match self {
            Self::Splice { at, fragment } => {
                let at = boundary(sql, *at);
                format!("{}{}{}", &sql[..at], FRAGMENTS[*fragment], &sql[at..])
            }
            Self::Replace { at, len, fragment } => {
                let start = boundary(sql, *at);
                let end = sql.floor_char_boundary((start + len).min(sql.len()));
                format!("{}{}{}", &sql[..start], FRAGMENTS[*fragment], &sql[end..])
            }
            Self::Characters { at, text } => {
                let at = boundary(sql, *at);
                format!("{}{text}{}", &sql[..at], &sql[at..])
            }
            Self::UnionChain(n) => {
                let arms = (*n).min(MAX_CHAIN_BYTES / (sql.len() + 12)).max(1);
                vec![format!("({sql})"); arms].join(" UNION ALL ")
            }
            Self::OrChain(n) => {
                let mut out = format!("SELECT tenants, ids FROM ({sql}) AS q WHERE ids IS NULL");
                for i in 0..*n {
                    let _ = write!(out, " OR {i} = ANY(ids)");
                }
                out
            }
            Self::NotChain(n) => format!(
                "SELECT tenants, ids FROM ({sql}) AS q WHERE {}true",
                "NOT ".repeat(*n)
            ),
            Self::CastChain(n) => format!(
                "SELECT tenants, ids{} AS ids FROM ({sql}) AS q",
                "::int[]".repeat(*n)
            ),
            Self::NestedQueries(n) => format!(
                "{}{sql}{}",
                "SELECT tenants, ids FROM (".repeat(*n),
                ") AS q".repeat(*n)
            ),
            Self::NestedParentheses(n) => format!(
                "SELECT tenants, ids FROM ({sql}) AS q WHERE {}ids IS NOT NULL{}",
                "(".repeat(*n),
                ")".repeat(*n)
            ),
            Self::NestedJoins(n) => format!(
                "SELECT q.tenants, q.ids FROM ({sql}) AS q, {}tasks{}",
                "(tasks AS j JOIN ".repeat(*n),
                " ON true)".repeat(*n)
            ),
        }
    }
}

/// A char boundary of `sql` at `at` modulo its length.
fn boundary(sql: &str, at: usize) -> usize {
    sql.floor_char_boundary(at % (sql.len() + 1))
}
