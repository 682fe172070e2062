//! A test database on a real multi-node Citus cluster (`CITUS_URL`), with its workers attached.
//!
//! `tenancy-testing` creates the database (propagated to the workers) and the extension on the
//! coordinator; a database on a multi-node cluster also needs the extension on each worker and
//! its own node list, which this adds, and a propagated drop so worker copies do not pile up.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tenancy_testing::TestDatabase;

pub(crate) type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A Citus test database; call [`CitusDb::cleanup`] at the end.
pub(crate) struct CitusDb {
    pub(crate) db: TestDatabase,
    server: PgConnectOptions,
    workers: Vec<(String, u16)>,
}

/// `None` (after printing why) when `CITUS_URL` is not set.
pub(crate) async fn citus_db(test: &str) -> TestResult<Option<CitusDb>> {
    let Some(url) = std::env::var("CITUS_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        println!("{test}: skipped: CITUS_URL not set");
        return Ok(None);
    };
    let server = PgConnectOptions::from_str(&url)?;
    let db = TestDatabase::builder()
        .citus()
        .max_connections(4)
        .create()
        .await?;
    let mut admin = PgConnection::connect_with(&server).await?;
    let nodes: Vec<(String, i32, i32)> = sqlx::query_as(
        "SELECT nodename::text, nodeport, groupid FROM pg_dist_node \
         WHERE noderole = 'primary' ORDER BY groupid",
    )
    .fetch_all(&mut admin)
    .await?;
    admin.close().await?;
    let mut workers = Vec::new();
    for (host, port, group) in &nodes {
        let port = u16::try_from(*port)?;
        if *group == 0 {
            sqlx::query("SELECT citus_set_coordinator_host($1, $2)")
                .bind(host)
                .bind(i32::from(port))
                .execute(db.pool())
                .await?;
            continue;
        }
        let worker = server.clone().host(host).port(port).database(db.name());
        let mut conn = PgConnection::connect_with(&worker).await?;
        sqlx::raw_sql("CREATE EXTENSION IF NOT EXISTS citus")
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        sqlx::query(
            "SELECT citus_add_node($1, $2) WHERE NOT EXISTS \
             (SELECT 1 FROM pg_dist_node WHERE nodename = $1 AND nodeport = $2)",
        )
        .bind(host)
        .bind(i32::from(port))
        .execute(db.pool())
        .await?;
        workers.push((host.clone(), port));
    }
    Ok(Some(CitusDb {
        db,
        server,
        workers,
    }))
}

impl CitusDb {
    pub(crate) fn pool(&self) -> &sqlx::PgPool {
        self.db.pool()
    }

    pub(crate) fn workers(&self) -> &[(String, u16)] {
        &self.workers
    }

    /// Drops the database on the coordinator and every worker. A propagated drop fails while
    /// the workers' Citus maintenance daemons sit in the database, so each worker copy is
    /// dropped directly, WITH (FORCE).
    pub(crate) async fn cleanup(self) -> TestResult {
        let name = self.db.name().to_owned();
        self.db.cleanup().await?;
        for (host, port) in &self.workers {
            let mut conn =
                PgConnection::connect_with(&self.server.clone().host(host).port(*port)).await?;
            let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                .execute(&mut conn)
                .await?;
            conn.close().await?;
        }
        Ok(())
    }
}
