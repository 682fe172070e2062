//! Running one sqlx migration directory across every tenant schema, in parallel.
//!
//! Each schema is migrated on a connection of its own whose `search_path` is that schema, so the
//! migrations' unqualified names and sqlx's `_sqlx_migrations` bookkeeping table land in it. A
//! failing schema is reported and does not stop the others; because sqlx records each applied
//! migration, running again resumes where every schema stopped.

use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

use super::SchemaName;
use crate::error::Error;

/// How one schema's migration ended.
#[derive(Debug)]
pub struct SchemaOutcome {
    /// The schema.
    pub schema: SchemaName,
    /// `Ok` when every migration is applied, else the first error.
    pub result: Result<(), Error>,
    /// How long the schema took.
    pub elapsed: Duration,
}

/// The outcome of every schema, in completion order.
#[derive(Debug, Default)]
pub struct MigrationReport {
    /// One entry per schema.
    pub outcomes: Vec<SchemaOutcome>,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
}

impl MigrationReport {
    /// The schemas that failed, with their errors.
    pub fn failures(&self) -> impl Iterator<Item = &SchemaOutcome> {
        self.outcomes.iter().filter(|o| o.result.is_err())
    }

    /// Whether every schema is fully migrated.
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.failures().next().is_none()
    }
}

/// Applies `migrator` to each of `schemas`, `concurrency` at a time, calling `progress` after
/// each schema with the outcome and the number of schemas done so far.
///
/// `migrator`'s own database-wide lock is turned off (it would serialise the schemas); each
/// schema takes a transaction-independent advisory lock of its own instead, so two runs never
/// migrate the same schema at once.
///
/// # Example
/// ```no_run
/// use tenancy_sqlx::schema_mode::{migrate, SchemaTenancy};
///
/// # async fn run(tenancy: SchemaTenancy) -> Result<(), Box<dyn std::error::Error>> {
/// let migrator = sqlx::migrate::Migrator::new(std::path::Path::new("migrations")).await?;
/// let schemas = tenancy.list_schemas().await?;
/// let options = tenancy.pool().connect_options();
/// let report = migrate::migrate_schemas(&options, migrator, &schemas, 8, |outcome, done| {
///     eprintln!("[{done}/{}] {}: {:?}", schemas.len(), outcome.schema, outcome.result);
/// })
/// .await;
/// assert!(report.is_success());
/// # Ok(()) }
/// ```
pub async fn migrate_schemas(
    options: &PgConnectOptions,
    mut migrator: Migrator,
    schemas: &[SchemaName],
    concurrency: usize,
    mut progress: impl FnMut(&SchemaOutcome, usize),
) -> MigrationReport {
    migrator.set_locking(false);
    let started = Instant::now();
    let migrator = &migrator;
    let mut outcomes = Vec::with_capacity(schemas.len());
    let mut runs = stream::iter(schemas.iter().cloned())
        .map(|schema| async move {
            let started = Instant::now();
            let result = migrate_one(options, migrator, &schema).await;
            SchemaOutcome {
                schema,
                result,
                elapsed: started.elapsed(),
            }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some(outcome) = runs.next().await {
        progress(&outcome, outcomes.len() + 1);
        outcomes.push(outcome);
    }
    MigrationReport {
        outcomes,
        elapsed: started.elapsed(),
    }
}

async fn migrate_one(
    options: &PgConnectOptions,
    migrator: &Migrator,
    schema: &SchemaName,
) -> Result<(), Error> {
    let mut conn: PgConnection = options
        .clone()
        .options([("search_path", schema.as_str())])
        .connect()
        .await?;
    let exists: bool = sqlx::query_scalar("SELECT to_regnamespace($1) IS NOT NULL")
        .bind(schema.as_str())
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        return Err(Error::UnknownSchema(schema.clone()));
    }
    sqlx::query("SELECT pg_advisory_lock(hashtextextended('tenancy.migrate.' || $1, 0))")
        .bind(schema.as_str())
        .execute(&mut conn)
        .await?;
    let result = migrator.run(&mut conn).await.map_err(|e| Error::Migration {
        schema: schema.clone(),
        source: e,
    });
    // Closing the connection releases the advisory lock too.
    conn.close().await?;
    result
}
