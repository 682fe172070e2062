//! [`TestDatabase`]: a fresh database per test, dropped afterwards even if the test panics.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};

use crate::citus::{self, CitusNode};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::name::{drop_database, new_database_name, sweep_stale_databases};
use crate::resolve::{Flavor, Source};
use crate::seed::Seed;
use crate::url::{redact, with_database};

/// Test databases older than this are swept once per process, on the first creation.
pub const STALE_AFTER: Duration = Duration::from_secs(12 * 3600);

/// How long the drop on `Drop` may take before the database is left for the sweep.
const DROP_TIMEOUT: Duration = Duration::from_secs(15);

static SWEPT: AtomicBool = AtomicBool::new(false);

/// An isolated database that exists for one test.
///
/// [`create`](Self::create) finds a server (see [`Source`]: `DATABASE_URL`, then a Docker
/// container, then `postgres://postgres@127.0.0.1:5432`), creates a uniquely named database on it
/// and opens a pool. The database is dropped by [`cleanup`](Self::cleanup), or — if the test
/// returns early or panics — by `Drop`, which uses its own connection on a helper thread and
/// `DROP DATABASE ... WITH (FORCE)` (PostgreSQL 13 or later).
///
/// # Example
/// ```no_run
/// use tenancy_testing::TestDatabase;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let db = TestDatabase::create().await?;
/// sqlx::raw_sql("CREATE TABLE t (id int)").execute(db.pool()).await?;
/// let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(db.pool()).await?;
/// assert_eq!(n, 0);
/// db.cleanup().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    server_url: String,
    pool: PgPool,
    /// Citus workers holding a copy of the database, dropped with it.
    workers: Vec<CitusNode>,
    dropped: bool,
}

/// Options for [`TestDatabase`]; start with [`TestDatabase::builder`].
///
/// # Example
/// ```no_run
/// use tenancy_testing::{Environment, TestDatabase};
///
/// # async fn run() -> tenancy_testing::Result<()> {
/// let db = TestDatabase::builder()
///     .environment(Environment::empty().with_database_url("postgres://postgres@127.0.0.1:5432"))
///     .max_connections(2)
///     .create()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct TestDatabaseBuilder {
    flavor: Flavor,
    environment: Option<Environment>,
    max_connections: u32,
    sweep_older_than: Option<Duration>,
}

impl TestDatabaseBuilder {
    /// Needs a Citus coordinator (`CITUS_URL` or a `citusdata/citus` container).
    ///
    /// The new database gets the `citus` extension on every node and the active primary nodes
    /// of the database `CITUS_URL` names (coordinator and workers, see
    /// [`TestDatabase::citus_workers`]), so distributed tables spread over the real cluster.
    /// Cleanup drops the database on the coordinator and on each worker.
    ///
    /// Without `CITUS_URL` or a Docker engine, [`create`](Self::create) fails with
    /// [`Error::NoCitus`], which tests match to skip themselves.
    ///
    /// # Example
    /// ```no_run
    /// use tenancy_testing::{Error, TestDatabase};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let db = match TestDatabase::builder().citus().create().await {
    ///     Err(Error::NoCitus { .. }) => {
    ///         println!("skipped: CITUS_URL not set");
    ///         return Ok(());
    ///     }
    ///     other => other?,
    /// };
    /// sqlx::raw_sql("CREATE TABLE t (tenant_id bigint); SELECT create_distributed_table('t', 'tenant_id')")
    ///     .execute(db.pool())
    ///     .await?;
    /// db.cleanup().await?;
    /// # Ok(()) }
    /// ```
    pub fn citus(mut self) -> Self {
        self.flavor = Flavor::Citus;
        self
    }

    /// Resolves the server from `environment` instead of the process environment.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// The pool size (default 5).
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Sweeps stale test databases older than this on first use (default [`STALE_AFTER`];
    /// `None` never sweeps).
    pub fn sweep_older_than(mut self, age: Option<Duration>) -> Self {
        self.sweep_older_than = age;
        self
    }

    /// Like [`create`](Self::create), but when no Citus cluster is configured (the Citus flavor
    /// without `CITUS_URL` or Docker) it prints `<test>: skipped: CITUS_URL not set` and returns
    /// `None`, so a Citus-only test can skip itself visibly.
    ///
    /// # Errors
    /// As [`create`](Self::create), except [`Error::NoCitus`].
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> tenancy_testing::Result<()> {
    /// use tenancy_testing::TestDatabase;
    ///
    /// let Some(db) = TestDatabase::builder().citus().create_or_skip("my_citus_test").await? else {
    ///     return Ok(());
    /// };
    /// db.cleanup().await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_or_skip(self, test: &str) -> Result<Option<TestDatabase>> {
        match self.create().await {
            Ok(db) => Ok(Some(db)),
            Err(Error::NoCitus { .. }) => {
                println!("{test}: skipped: CITUS_URL not set");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Creates the database and its pool.
    ///
    /// # Errors
    /// [`Error::NoServer`] / [`Error::NoCitus`] when no server is found (the message says how to
    /// provide one), [`Error::Container`] when a container fails to start, [`Error::Connect`] /
    /// [`Error::Sql`] when the server refuses.
    pub async fn create(self) -> Result<TestDatabase> {
        let environment = self.environment.unwrap_or_else(Environment::from_process);
        let server_url = server_url(&environment, self.flavor).await?;
        let mut admin = connect(&server_url).await?;
        let cluster = match self.flavor {
            Flavor::Citus => Some(citus::read_cluster(&mut admin).await?),
            Flavor::Postgres => None,
        };
        let workers = cluster
            .as_ref()
            .map(|c| c.workers.clone())
            .unwrap_or_default();
        if let Some(age) = self.sweep_older_than
            && !SWEPT.swap(true, Ordering::Relaxed)
        {
            // Best effort: a failed sweep must not fail the test that triggered it.
            let _ = sweep_stale_databases(&server_url, age).await;
            let _ = citus::sweep_workers(&server_url, &workers, age).await;
        }

        let name = new_database_name();
        if self.flavor == Flavor::Citus {
            // Citus 12.2+ propagates CREATE DATABASE to workers only when asked; older versions
            // reject the setting, and `citus::attach` creates the worker copies itself.
            let _ = sqlx::raw_sql("SET citus.enable_create_database_propagation TO on")
                .execute(&mut admin)
                .await;
        }
        let create = format!("CREATE DATABASE \"{name}\"");
        sqlx::raw_sql(sqlx::AssertSqlSafe(create.clone()))
            .execute(&mut admin)
            .await
            .map_err(|source| Error::Sql {
                action: create,
                source,
            })?;
        let _ = admin.close().await;

        // From here on the database exists: dropping `db` on any error below removes it.
        let url = with_database(&server_url, &name)?;
        let pool = PgPoolOptions::new()
            .max_connections(self.max_connections)
            .connect_lazy(&url)
            .map_err(|source| Error::Connect {
                url: redact(&url),
                source,
            })?;
        let db = TestDatabase {
            name,
            url,
            server_url,
            pool,
            workers,
            dropped: false,
        };
        if let Some(cluster) = &cluster {
            citus::attach(&db.pool, &db.server_url, &db.name, cluster).await?;
        }
        Ok(db)
    }
}

async fn server_url(environment: &Environment, flavor: Flavor) -> Result<String> {
    match Source::resolve(environment, flavor).await? {
        Source::Url(url) | Source::Local(url) => Ok(url),
        #[cfg(feature = "docker")]
        Source::Docker(_) => crate::docker::server_url(flavor).await,
        #[cfg(not(feature = "docker"))]
        Source::Docker(endpoint) => Err(Error::Container {
            image: "postgres".to_owned(),
            reason: format!("Docker at {endpoint} answered but the `docker` feature is off"),
        }),
    }
}

async fn connect(url: &str) -> Result<PgConnection> {
    PgConnection::connect(url)
        .await
        .map_err(|source| Error::Connect {
            url: redact(url),
            source,
        })
}

impl TestDatabase {
    /// Creates a PostgreSQL test database with default options.
    ///
    /// # Errors
    /// As [`TestDatabaseBuilder::create`].
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> tenancy_testing::Result<()> {
    /// let db = tenancy_testing::TestDatabase::create().await?;
    /// println!("testing against {}", db.name());
    /// # Ok(()) }
    /// ```
    pub async fn create() -> Result<Self> {
        Self::builder().create().await
    }

    /// Options: Citus, an explicit [`Environment`], pool size, sweeping.
    ///
    /// # Example
    /// ```
    /// let builder = tenancy_testing::TestDatabase::builder().citus().max_connections(3);
    /// # drop(builder);
    /// ```
    pub fn builder() -> TestDatabaseBuilder {
        TestDatabaseBuilder {
            flavor: Flavor::Postgres,
            environment: None,
            max_connections: 5,
            sweep_older_than: Some(STALE_AFTER),
        }
    }

    /// The database name, `tenancy_test_...`.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> tenancy_testing::Result<()> {
    /// let db = tenancy_testing::TestDatabase::create().await?;
    /// assert!(db.name().starts_with(tenancy_testing::DATABASE_PREFIX));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A URL for this database (for other clients, CLIs, or a second pool).
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> tenancy_testing::Result<()> {
    /// let db = tenancy_testing::TestDatabase::create().await?;
    /// assert!(db.url().ends_with(db.name()));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The pool connected to this database.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let db = tenancy_testing::TestDatabase::create().await?;
    /// let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(db.pool()).await?;
    /// assert_eq!(one, 1);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The Citus workers attached to this database (empty for PostgreSQL and single-node Citus).
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> tenancy_testing::Result<()> {
    /// let db = tenancy_testing::TestDatabase::builder().citus().create().await?;
    /// println!("{} workers", db.citus_workers().len());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn citus_workers(&self) -> &[CitusNode] {
        &self.workers
    }

    /// Runs `seed` (schema, then each tenant's rows) on this database.
    ///
    /// # Errors
    /// [`Error::Seed`] naming the tenant whose script failed.
    ///
    /// # Example
    /// ```no_run
    /// use tenancy_testing::{Seed, TestDatabase};
    ///
    /// # async fn run() -> tenancy_testing::Result<()> {
    /// let db = TestDatabase::create().await?;
    /// db.seed(&Seed::new("CREATE TABLE t (tenant_id bigint, n int)")
    ///     .int_tenants(3)
    ///     .per_tenant(|t, _| format!("INSERT INTO t VALUES ({}, 1)", t.to_sql_literal())))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn seed(&self, seed: &Seed) -> Result<()> {
        seed.apply(&self.pool).await
    }

    /// Closes the pool and drops the database, reporting failures (unlike `Drop`).
    ///
    /// # Errors
    /// [`Error::Connect`] / [`Error::Sql`] when the server refuses the drop.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> tenancy_testing::Result<()> {
    /// let db = tenancy_testing::TestDatabase::create().await?;
    /// db.cleanup().await?;
    /// # Ok(()) }
    /// ```
    pub async fn cleanup(mut self) -> Result<()> {
        self.dropped = true;
        self.pool.close().await;
        remove(&self.server_url, &self.name, &self.workers).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let server_url = self.server_url.clone();
        let name = self.name.clone();
        let workers = self.workers.clone();
        // Drop cannot await, and the test's runtime may be unwinding: a helper thread with its own
        // runtime and connection does the drop; joining keeps databases from piling up.
        let worker = std::thread::Builder::new()
            .name(format!("drop {name}"))
            .spawn(move || drop_now(&server_url, &name, &workers));
        let outcome = match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err("the drop thread panicked".to_owned())),
            Err(e) => Err(format!("cannot start the drop thread: {e}")),
        };
        if let Err(reason) = outcome {
            eprintln!(
                "tenancy-testing: could not drop test database {} ({reason}); \
                 it will be swept after {STALE_AFTER:?}",
                self.name
            );
        }
    }
}

fn drop_now(server_url: &str, name: &str, workers: &[CitusNode]) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        match tokio::time::timeout(DROP_TIMEOUT, remove(server_url, name, workers)).await {
            Ok(result) => result.map_err(|e| e.to_string()),
            Err(_) => Err(format!("timed out after {DROP_TIMEOUT:?}")),
        }
    })
}

/// Drops the database on the server, then each Citus worker's copy.
async fn remove(server_url: &str, name: &str, workers: &[CitusNode]) -> Result<()> {
    let mut admin = connect(server_url).await?;
    if !workers.is_empty() {
        // A propagated drop waits on each worker's Citus maintenance daemon, which sits in the
        // database; the worker copies are dropped on the workers instead. Older Citus versions
        // reject the setting and never propagate.
        let _ = sqlx::raw_sql("SET citus.enable_create_database_propagation TO off")
            .execute(&mut admin)
            .await;
    }
    let on_server = drop_database(&mut admin, name).await;
    let _ = admin.close().await;
    let on_workers = citus::drop_on_workers(server_url, name, workers).await;
    on_server.and(on_workers)
}
