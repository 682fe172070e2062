//! A test database on a Citus cluster: the cluster's nodes attached to it, and removed from all.
//!
//! Every database on a Citus cluster has its own node list (`pg_dist_node`) and needs the `citus`
//! extension on each node, so a fresh test database starts as an isolated single node. Its nodes
//! are copied from the database `CITUS_URL` names. The workers keep a copy of the database (and
//! their Citus maintenance daemon sits in it), so a drop on the coordinator alone leaves them
//! behind: each worker copy is dropped on the worker.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool};

use crate::error::{Error, Result};
use crate::name::{drop_database, sweep_on};
use crate::url::redact;

/// A Citus worker a test database is attached to, as the coordinator reaches it.
///
/// # Example
/// ```no_run
/// use tenancy_testing::TestDatabase;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let db = TestDatabase::builder().citus().create().await?;
/// for worker in db.citus_workers() {
///     println!("shards may live on {}:{}", worker.host, worker.port);
/// }
/// db.cleanup().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CitusNode {
    /// The host name in `pg_dist_node.nodename`.
    pub host: String,
    /// The port in `pg_dist_node.nodeport`.
    pub port: u16,
}

impl std::fmt::Display for CitusNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// The active primary nodes of the cluster behind `CITUS_URL`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Cluster {
    /// Group 0; `None` when the coordinator never registered itself (a fresh single node).
    pub(crate) coordinator: Option<CitusNode>,
    pub(crate) workers: Vec<CitusNode>,
}

/// Reads the node list of the database `admin` is connected to.
pub(crate) async fn read_cluster(admin: &mut PgConnection) -> Result<Cluster> {
    let failed = |source| Error::Sql {
        action: "reading pg_dist_node on the Citus coordinator".to_owned(),
        source,
    };
    let has_citus: bool =
        sqlx::query_scalar("SELECT to_regclass('pg_catalog.pg_dist_node') IS NOT NULL")
            .fetch_one(&mut *admin)
            .await
            .map_err(failed)?;
    if !has_citus {
        return Ok(Cluster::default());
    }
    // Inactive nodes may be unreachable; the test database mirrors the cluster as it serves.
    let rows: Vec<(String, i32, i32)> = sqlx::query_as(
        "SELECT nodename::text, nodeport, groupid FROM pg_dist_node \
         WHERE noderole = 'primary' AND isactive ORDER BY groupid, nodeid",
    )
    .fetch_all(&mut *admin)
    .await
    .map_err(failed)?;
    let mut cluster = Cluster::default();
    for (host, port, group) in rows {
        let port = u16::try_from(port).map_err(|_| Error::Sql {
            action: format!("reading pg_dist_node: node {host} has port {port}"),
            source: sqlx::Error::Protocol("a node port outside 0..=65535".to_owned()),
        })?;
        let node = CitusNode { host, port };
        if group == 0 {
            cluster.coordinator = Some(node);
        } else {
            cluster.workers.push(node);
        }
    }
    Ok(cluster)
}

/// Gives the new database `name` (open in `pool`) the extension and the cluster's nodes.
pub(crate) async fn attach(
    pool: &PgPool,
    server_url: &str,
    name: &str,
    cluster: &Cluster,
) -> Result<()> {
    let failed = |step: String| {
        move |source| Error::Sql {
            action: format!("{step} in Citus test database {name}"),
            source,
        }
    };
    sqlx::raw_sql("CREATE EXTENSION IF NOT EXISTS citus")
        .execute(pool)
        .await
        .map_err(failed("CREATE EXTENSION citus".to_owned()))?;
    // Shards placed on the coordinator (single node) need its address; a container's server
    // that never registered itself listens on 5432 inside the container.
    let (host, port) = cluster
        .coordinator
        .as_ref()
        .map_or(("localhost", 5432), |c| (c.host.as_str(), c.port));
    sqlx::query("SELECT citus_set_coordinator_host($1, $2)")
        .bind(host)
        .bind(i32::from(port))
        .execute(pool)
        .await
        .map_err(failed(format!(
            "citus_set_coordinator_host({host}, {port})"
        )))?;

    let server = connect_options(server_url)?;
    for worker in &cluster.workers {
        ensure_on_worker(&server, worker, name).await?;
        // Adding a node syncs metadata into the worker's copy, which needs the extension first.
        sqlx::query("SELECT citus_add_node($1, $2)")
            .bind(&worker.host)
            .bind(i32::from(worker.port))
            .execute(pool)
            .await
            .map_err(failed(format!("citus_add_node({worker})")))?;
    }
    Ok(())
}

/// Makes sure the worker has the database (Citus before 12.2 does not propagate
/// `CREATE DATABASE`) with the `citus` extension in it.
async fn ensure_on_worker(server: &PgConnectOptions, worker: &CitusNode, name: &str) -> Result<()> {
    let failed = |action: String| move |source| Error::Sql { action, source };
    let mut maintenance = connect_worker(server, worker, None).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut maintenance)
            .await
            .map_err(failed(format!("looking for {name} on worker {worker}")))?;
    if !exists {
        let create = format!("CREATE DATABASE \"{name}\"");
        sqlx::raw_sql(sqlx::AssertSqlSafe(create.clone()))
            .execute(&mut maintenance)
            .await
            .map_err(failed(format!("{create} on worker {worker}")))?;
    }
    let _ = maintenance.close().await;

    let mut conn = connect_worker(server, worker, Some(name)).await?;
    sqlx::raw_sql("CREATE EXTENSION IF NOT EXISTS citus")
        .execute(&mut conn)
        .await
        .map_err(failed(format!(
            "CREATE EXTENSION citus in {name} on worker {worker}"
        )))?;
    let _ = conn.close().await;
    Ok(())
}

/// Drops every worker's copy of `name`, from the worker's maintenance database, trying all
/// workers before reporting the first failure.
pub(crate) async fn drop_on_workers(
    server_url: &str,
    name: &str,
    workers: &[CitusNode],
) -> Result<()> {
    if workers.is_empty() {
        return Ok(());
    }
    let server = connect_options(server_url)?;
    let mut first_error = None;
    for worker in workers {
        let dropped = async {
            let mut conn = connect_worker(&server, worker, None).await?;
            let result = drop_database(&mut conn, name).await;
            let _ = conn.close().await;
            result
        }
        .await;
        if let Err(e) = dropped {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Sweeps stale test databases on each worker: a killed run leaves a copy on every node, and the
/// coordinator's sweep drops only its own.
pub(crate) async fn sweep_workers(
    server_url: &str,
    workers: &[CitusNode],
    older_than: Duration,
) -> Result<()> {
    let server = connect_options(server_url)?;
    for worker in workers {
        let mut conn = connect_worker(&server, worker, None).await?;
        let swept = sweep_on(&mut conn, older_than).await;
        let _ = conn.close().await;
        swept?;
    }
    Ok(())
}

fn connect_options(server_url: &str) -> Result<PgConnectOptions> {
    PgConnectOptions::from_str(server_url).map_err(|_| Error::InvalidUrl {
        url: redact(server_url),
        reason: "not a PostgreSQL connection URL",
    })
}

/// Connects to `worker` as the coordinator's user, to `database` or else the maintenance
/// database `CITUS_URL` names.
async fn connect_worker(
    server: &PgConnectOptions,
    worker: &CitusNode,
    database: Option<&str>,
) -> Result<PgConnection> {
    let mut options = server.clone().host(&worker.host).port(worker.port);
    if let Some(database) = database {
        options = options.database(database);
    }
    PgConnection::connect_with(&options)
        .await
        .map_err(|source| Error::Connect {
            url: format!(
                "Citus worker {worker} (database {})",
                options
                    .get_database()
                    .unwrap_or("of the same name as the user")
            ),
            source,
        })
}
