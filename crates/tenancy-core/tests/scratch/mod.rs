//! A scratch database on the real PostgreSQL server for the rewriter's tests: a unique name,
//! created on demand and dropped (with its connections) by [`Scratch::drop`].
//!
//! Uses `DATABASE_URL` or `postgres://postgres@127.0.0.1:5432/postgres`.

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnection, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Executor, PgPool};

/// Boxed error of the scratch helpers.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A database of its own, with an admin connection to drop it.
pub(crate) struct Scratch {
    admin: PgConnection,
    name: String,
    /// A pool on the scratch database.
    pub pool: PgPool,
}

impl Scratch {
    /// Creates `<prefix>_<pid>_<nanos>` and a pool of `max_connections` on it.
    pub(crate) async fn create(prefix: &str, max_connections: u32) -> Result<Self, BoxError> {
        let server = server_url();
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        let name = format!("{prefix}_{}_{nanos}", std::process::id());
        let mut admin = PgConnection::connect(&server).await?;
        admin
            .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .connect(&with_database(&server, &name))
            .await?;
        Ok(Self { admin, name, pool })
    }

    /// Closes the pool and drops the database.
    pub(crate) async fn drop(mut self) -> Result<(), BoxError> {
        self.pool.close().await;
        self.admin
            .execute(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .await?;
        Ok(())
    }

    /// The admin connection, for server-wide objects (roles) a test must also drop.
    #[allow(dead_code)]
    pub(crate) fn admin(&mut self) -> &mut PgConnection {
        &mut self.admin
    }
}

/// The server's URL: `DATABASE_URL`, else the local server.
pub(crate) fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database replaced by `database`, keeping any query string.
fn with_database(url: &str, database: &str) -> String {
    match url.rfind('/') {
        Some(slash)
            if url[..slash].contains("://") && url[slash..].len() > 1 || url.ends_with('/') =>
        {
            let base = &url[..slash];
            let query = url[slash..].find('?').map_or("", |q| &url[slash + q..]);
            format!("{base}/{database}{query}")
        }
        _ => format!("{url}/{database}"),
    }
}
