//! The error type of `tenancy-core`.

use crate::catalog::TableName;

/// Everything that can go wrong in `tenancy-core`.
///
/// Every message says what happened and what to do about it. The enum is
/// `#[non_exhaustive]`: match the variants you handle and keep a fallback arm.
///
/// # Example
/// ```
/// use tenancy_core::{context, Error};
///
/// // Outside a tenant scope there is no current tenant: the SDK fails closed.
/// assert!(matches!(context::current(), Err(Error::NoTenant)));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Code that needs a tenant ran outside `tenancy_core::scope`.
    #[error(
        "no tenant in scope: run this code inside `tenancy_core::scope(tenant, ...)`, \
         or use `tenancy_core::unscoped(reason, ...)` for audited admin work"
    )]
    NoTenant,

    /// A tenant id could not be parsed.
    #[error("invalid tenant id {value:?}: {reason}")]
    InvalidTenantId {
        /// The rejected input.
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// The catalog definition is invalid.
    #[error("invalid tenancy catalog: {0}")]
    Catalog(String),

    /// The SQL text could not be parsed as PostgreSQL.
    #[error("cannot parse SQL: {message}")]
    Parse {
        /// What is wrong with the text, on one line.
        message: String,
        /// The parser's own error, when the parser found the problem.
        #[source]
        source: Option<sqlparser::parser::ParserError>,
    },

    /// A statement names a table the catalog does not know, so it cannot be scoped.
    #[error(
        "table {table} is not in the tenancy catalog: add it as a tenant table \
         (with its tenant column) or as a reference table"
    )]
    UnknownTable {
        /// The unknown table, schema-qualified.
        table: TableName,
    },

    /// The statement cannot be proven safe under a tenant scope and is refused.
    #[error("{statement} refused{}: {reason}", table.as_ref().map(|t| format!(" on {t}")).unwrap_or_default())]
    Refused {
        /// The statement's leading keywords as written, e.g. `TRUNCATE` or `CREATE INDEX`.
        statement: String,
        /// Why, as a category a program can match on.
        kind: RefusalKind,
        /// The table concerned, when there is one.
        table: Option<TableName>,
        /// Why the statement is refused and what to do instead.
        reason: String,
    },

    /// The caller bound a different number of parameters than the statement uses.
    #[error(
        "the statement uses {expected} parameters of its own but {found} were bound; the SDK \
         binds the tenant itself, after yours"
    )]
    ArgumentCount {
        /// Parameters the original statement uses.
        expected: usize,
        /// Parameters the caller bound.
        found: usize,
    },

    /// A statement names a tenant different from the tenant in scope.
    #[error(
        "tenant mismatch: the statement writes tenant {found} to {table} but the current tenant is \
         {expected}; omit the tenant column and the SDK fills it in"
    )]
    TenantMismatch {
        /// The table written to.
        table: TableName,
        /// The tenant in scope.
        expected: String,
        /// The tenant the statement names.
        found: String,
    },
}

/// Why the rewriter refused a statement: what a program can match on, whatever the wording.
///
/// # Example
/// ```
/// use tenancy_core::{Catalog, Error, RefusalKind, Rewriter};
///
/// let rewriter = Rewriter::new(Catalog::builder().tenant_table("tasks").build()?);
/// match rewriter.rewrite("TRUNCATE tasks") {
///     Err(Error::Refused { kind: RefusalKind::Statement, statement, .. }) => assert_eq!(statement, "TRUNCATE"),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), tenancy_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum RefusalKind {
    /// A statement kind that is never safe under a tenant scope: DDL, TRUNCATE, COPY, DO, CALL.
    #[error("statement kind")]
    Statement,
    /// It reads or changes session state (`SET`, `RESET`, `set_config`, `pg_settings`).
    #[error("session state")]
    SessionState,
    /// It calls a function that is not on the allow-list.
    #[error("function")]
    Function,
    /// It reads a relation that is neither a catalog table nor allowed (system catalogs,
    /// statistics views).
    #[error("relation")]
    Relation,
    /// It writes a tenant value that may name another tenant.
    #[error("tenant write")]
    TenantWrite,
    /// A syntax or statement shape the rewriter does not support.
    #[error("unsupported shape")]
    Shape,
    /// The verifier could not prove every tenant table reference scoped.
    #[error("unverified")]
    Unverified,
    /// A literal or quoted name that cannot be printed back exactly.
    #[error("unprintable text")]
    Unprintable,
    /// The statement is too large or too deeply nested to handle in bounded time and memory.
    #[error("too large")]
    TooLarge,
    /// It would reveal other tenants' data through a side channel (`EXPLAIN ANALYZE`).
    #[error("side channel")]
    SideChannel,
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
