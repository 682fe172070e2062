//! A write guard that failed inside PostgreSQL, reported as the tenant mismatch it is.
//!
//! The rewriter guards tenant values a statement writes itself with SQL that fails with SQLSTATE
//! 22P02 and a message naming the table and both tenants
//! ([`tenancy_core::rewrite::mismatch_from_database`]). Executors pass their database errors
//! through here so that such a write fails with `TenantMismatch`, exactly as one the rewriter
//! catches before sending.

use futures_core::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use tenancy_core::TenantId;
use tenancy_core::rewrite::mismatch_from_database;

use crate::error::Error;

/// `invalid_text_representation`: what the guard's failing cast raises.
const INVALID_TEXT_REPRESENTATION: &str = "22P02";

/// `error`, or the [`tenancy_core::Error::TenantMismatch`] it reports for a statement scoped to
/// `tenant`.
pub(crate) fn read(error: sqlx::Error, tenant: &TenantId) -> sqlx::Error {
    let sqlx::Error::Database(database) = &error else {
        return error;
    };
    if database.code().as_deref() != Some(INVALID_TEXT_REPRESENTATION) {
        return error;
    }
    match mismatch_from_database(database.message(), tenant) {
        Some(mismatch) => Error::Scope(mismatch).into(),
        None => error,
    }
}

/// `stream` with every error [`read`] for `tenant`.
pub(crate) fn read_stream<'e, T: Send + 'e>(
    stream: BoxStream<'e, Result<T, sqlx::Error>>,
    tenant: TenantId,
) -> BoxStream<'e, Result<T, sqlx::Error>> {
    stream.map_err(move |error| read(error, &tenant)).boxed()
}
