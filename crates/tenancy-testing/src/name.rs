//! Test database names, and sweeping the ones a crashed run left behind.
//!
//! A name carries its creation time (`tenancy_test_<unix seconds>_<pid>_<counter>_<random>`), so a
//! sweep can tell stale databases from those of a run in progress without any bookkeeping table.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::error::{Error, Result};
use crate::url::redact;

/// Every test database name starts with this.
pub const DATABASE_PREFIX: &str = "tenancy_test_";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, unique database name (at most 63 bytes, PostgreSQL's limit).
pub(crate) fn new_database_name() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    // RandomState is seeded randomly per process: enough to keep two machines sharing one server
    // apart, without a random-number dependency.
    let mut hasher = std::hash::RandomState::new().build_hasher();
    hasher.write_u128(now.as_nanos());
    hasher.write_u64(counter);
    let random = hasher.finish() & 0xffff_ffff;
    format!(
        "{DATABASE_PREFIX}{}_{}_{counter}_{random:08x}",
        now.as_secs(),
        std::process::id()
    )
}

/// When a database named by [`new_database_name`] was created; `None` for other names.
pub(crate) fn created_at(name: &str) -> Option<SystemTime> {
    let seconds = name.strip_prefix(DATABASE_PREFIX)?.split('_').next()?;
    Some(UNIX_EPOCH + Duration::from_secs(seconds.parse().ok()?))
}

/// Drops every test database on the server at `server_url` created more than `older_than` ago.
///
/// Test databases are dropped when their [`TestDatabase`](crate::TestDatabase) goes away, even on
/// panic; this catches what a killed process (SIGKILL, power loss) left. Databases whose names
/// do not follow the pattern are never touched. Returns the names dropped.
///
/// # Errors
/// [`Error::Connect`] when the server does not answer; [`Error::Sql`] when a drop fails.
///
/// # Example
/// ```no_run
/// use std::time::Duration;
///
/// # async fn run() -> tenancy_testing::Result<()> {
/// let dropped = tenancy_testing::sweep_stale_databases(
///     "postgres://postgres@127.0.0.1:5432",
///     Duration::from_secs(6 * 3600),
/// ).await?;
/// println!("dropped {} stale test databases", dropped.len());
/// # Ok(()) }
/// ```
pub async fn sweep_stale_databases(server_url: &str, older_than: Duration) -> Result<Vec<String>> {
    let mut conn = PgConnection::connect(server_url)
        .await
        .map_err(|source| Error::Connect {
            url: redact(server_url),
            source,
        })?;
    let dropped = sweep_on(&mut conn, older_than).await;
    let _ = conn.close().await;
    dropped
}

/// [`sweep_stale_databases`] on an open connection (a Citus worker, for one).
pub(crate) async fn sweep_on(conn: &mut PgConnection, older_than: Duration) -> Result<Vec<String>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'tenancy\\_test\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|source| Error::Sql {
        action: "listing test databases".to_owned(),
        source,
    })?;
    let now = SystemTime::now();
    let mut dropped = Vec::new();
    for name in names {
        let stale = created_at(&name)
            .and_then(|created| now.duration_since(created).ok())
            .is_some_and(|age| age > older_than);
        if stale {
            drop_database(conn, &name).await?;
            dropped.push(name);
        }
    }
    Ok(dropped)
}

/// `DROP DATABASE ... WITH (FORCE)`: ends sessions a panicking test left open (PostgreSQL 13+).
pub(crate) async fn drop_database(conn: &mut PgConnection, name: &str) -> Result<()> {
    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
        .execute(conn)
        .await
        .map(drop)
        .map_err(|source| Error::Sql {
            action: sql,
            source,
        })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn names_are_unique_valid_and_dated() {
        let names: Vec<String> = (0..1000).map(|_| new_database_name()).collect();
        assert_eq!(names.iter().collect::<HashSet<_>>().len(), names.len());
        for name in &names {
            assert!(name.len() <= 63, "{name} is too long for PostgreSQL");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
            let age = created_at(name)
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .expect("a fresh name carries its creation time");
            assert!(age < Duration::from_secs(5));
        }
    }

    #[test]
    fn foreign_names_have_no_age() {
        assert_eq!(created_at("tenancy_test_abc_1"), None);
        assert_eq!(created_at("app_production"), None);
        assert_eq!(
            created_at("tenancy_test_100_1_2_ff"),
            Some(UNIX_EPOCH + Duration::from_secs(100))
        );
    }
}
