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
    #[error("cannot parse SQL: {0}")]
    Parse(String),

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
    #[error("{kind} refused{}: {reason}", table.as_ref().map(|t| format!(" on {t}")).unwrap_or_default())]
    Refused {
        /// The statement kind, e.g. `TRUNCATE` or `INSERT`.
        kind: String,
        /// The table concerned, when there is one.
        table: Option<TableName>,
        /// Why the statement is refused and what to do instead.
        reason: String,
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

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
