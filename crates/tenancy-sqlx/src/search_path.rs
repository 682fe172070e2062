//! Name resolution the way the rewriter assumes it: unqualified tables in `public`.
//!
//! The rewriter resolves an unqualified table name in `public` (`pg_catalog` first, as PostgreSQL
//! always searches it first). PostgreSQL resolves it with the session's `search_path`, by default
//! `"$user", public` with temporary tables searched before everything: a table in a schema named
//! like the role, or a temporary table, would shadow the table the rewriter checked. A connection
//! whose `search_path` is [`SEARCH_PATH`] resolves names the way the rewriter does.

use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

use crate::error::Error;

/// The `search_path` under which PostgreSQL resolves names as the rewriter does: `public`, then
/// temporary tables (listed, so they come after `public` instead of before it).
///
/// Pools built by [`TenantPool::connect`](crate::TenantPool::connect) set it on every
/// connection; for a pool you build yourself, pass it as a startup option.
///
/// # Example
/// ```no_run
/// use std::str::FromStr;
/// use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let options = PgConnectOptions::from_str("postgres://app@127.0.0.1/app")?
///     .options([("search_path", tenancy_sqlx::SEARCH_PATH)]);
/// let pool = PgPoolOptions::new().max_connections(16).connect_with(options).await?;
/// # Ok(()) }
/// ```
pub const SEARCH_PATH: &str = "public, pg_temp";

/// `options` with [`SEARCH_PATH`] as the startup `search_path` of every connection.
pub(crate) fn startup_option(options: PgConnectOptions) -> PgConnectOptions {
    // Appended after any `-c` the caller set: PostgreSQL applies the last one.
    options.options([("search_path", SEARCH_PATH)])
}

/// Fails unless a connection of `pool` resolves names as the rewriter does.
pub(crate) async fn check(pool: &PgPool) -> Result<(), Error> {
    let found: String = sqlx::query_scalar("SELECT current_setting('search_path')")
        .fetch_one(pool)
        .await?;
    if resolves_like_the_rewriter(&found) {
        Ok(())
    } else {
        Err(Error::SearchPath { found })
    }
}

/// Whether `setting` searches `public` first (after `pg_catalog`, which PostgreSQL searches first
/// anyway) and temporary tables right after it, and nothing else.
fn resolves_like_the_rewriter(setting: &str) -> bool {
    let schemas: Vec<String> = setting.split(',').map(schema_name).collect();
    let schemas: Vec<&str> = schemas.iter().map(String::as_str).collect();
    matches!(
        schemas.as_slice(),
        ["public", "pg_temp"] | ["pg_catalog", "public", "pg_temp"]
    )
}

/// One entry of a `search_path` as PostgreSQL reads it: quoted names exactly, others lower-cased.
fn schema_name(entry: &str) -> String {
    let entry = entry.trim();
    match entry
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => entry.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::resolves_like_the_rewriter;

    #[test]
    fn only_public_then_pg_temp_resolves_like_the_rewriter() {
        for good in [
            "public, pg_temp",
            "public,pg_temp",
            "PUBLIC, \"pg_temp\"",
            "pg_catalog, public, pg_temp",
        ] {
            assert!(resolves_like_the_rewriter(good), "{good}");
        }
        for bad in [
            "\"$user\", public",
            "public",
            "pg_temp, public",
            "\"Public\", pg_temp",
            "public, pg_temp, extensions",
            "tenant_acme, public, pg_temp",
            "",
        ] {
            assert!(!resolves_like_the_rewriter(bad), "{bad}");
        }
    }
}
