//! [`Citus`]: idempotent Citus administration that degrades to a warning on plain PostgreSQL.

use std::fmt;

use sqlx::PgPool;
use tenancy_core::{TableName, TenantId};

use super::ddl::{self, Alteration, ShardTransferMode};
use super::metadata::{self, Distribution};
use crate::error::Error;

/// What a Citus operation does on a database without the `citus` extension.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::OnPlainPostgres;
/// assert_eq!(OnPlainPostgres::default(), OnPlainPostgres::Warn);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnPlainPostgres {
    /// Log a warning (target `tenancy::citus`) and do nothing, so one app runs on both.
    #[default]
    Warn,
    /// Fail with [`Error::CitusMissing`].
    Error,
}

/// What an operation did.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::Outcome;
/// let done = Outcome::Applied { sql: "SELECT create_reference_table('public.plans')".into() };
/// assert!(done.changed());
/// assert_eq!(done.to_string(), "applied: SELECT create_reference_table('public.plans')");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The statement ran.
    Applied {
        /// The statement.
        sql: String,
    },
    /// The cluster was already in the requested state; nothing ran.
    AlreadyDone {
        /// What was found.
        detail: String,
    },
    /// No `citus` extension; a warning was logged and nothing ran.
    SkippedPlainPostgres,
}

impl Outcome {
    /// Whether the operation changed the cluster.
    #[must_use]
    pub fn changed(&self) -> bool {
        matches!(self, Self::Applied { .. })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Applied { sql } => write!(f, "applied: {sql}"),
            Self::AlreadyDone { detail } => write!(f, "already done: {detail}"),
            Self::SkippedPlainPostgres => f.write_str("skipped: plain PostgreSQL (no citus)"),
        }
    }
}

/// Citus administration over a pool connected to the coordinator.
///
/// Every operation first reads Citus' metadata (`pg_dist_partition`, `pg_dist_node`, the
/// rebalance plan) and runs only when the cluster is not yet in the requested state, so calling
/// it at every application start or in every migration is safe. On plain PostgreSQL (no `citus`
/// in `pg_extension`) it warns and returns [`Outcome::SkippedPlainPostgres`], or fails, as
/// [`OnPlainPostgres`] says.
///
/// # Example
/// ```no_run
/// # async fn run(pool: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// use tenancy_sqlx::{citus::Citus, core::TableName};
///
/// let citus = Citus::new(pool);
/// let accounts = TableName::parse("accounts")?;
/// citus.create_distributed_table(&accounts, "id", None).await?;
/// citus.create_distributed_table(&TableName::parse("tasks")?, "tenant_id", Some(&accounts)).await?;
/// citus.create_reference_table(&TableName::parse("plans")?).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Citus {
    pool: PgPool,
    on_plain: OnPlainPostgres,
    transfer_mode: ShardTransferMode,
}

impl Citus {
    /// Administration over `pool`; warns on plain PostgreSQL; shard moves use
    /// [`ShardTransferMode::Auto`].
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(pool: sqlx::PgPool) {
    /// let citus = tenancy_sqlx::citus::Citus::new(pool);
    /// # }
    /// ```
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            on_plain: OnPlainPostgres::default(),
            transfer_mode: ShardTransferMode::default(),
        }
    }

    /// Chooses what happens on plain PostgreSQL.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(pool: sqlx::PgPool) {
    /// use tenancy_sqlx::citus::{Citus, OnPlainPostgres};
    /// let strict = Citus::new(pool).on_plain_postgres(OnPlainPostgres::Error);
    /// # }
    /// ```
    #[must_use]
    pub fn on_plain_postgres(mut self, on_plain: OnPlainPostgres) -> Self {
        self.on_plain = on_plain;
        self
    }

    /// Chooses how shards move (isolation, rebalancing).
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(pool: sqlx::PgPool) {
    /// use tenancy_sqlx::citus::{Citus, ShardTransferMode};
    /// let citus = Citus::new(pool).shard_transfer_mode(ShardTransferMode::BlockWrites);
    /// # }
    /// ```
    #[must_use]
    pub fn shard_transfer_mode(mut self, mode: ShardTransferMode) -> Self {
        self.transfer_mode = mode;
        self
    }

    /// The pool this handle runs on.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Whether the `citus` extension is installed in this database.
    ///
    /// # Errors
    /// Database errors.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(pool: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
    /// if !tenancy_sqlx::citus::Citus::new(pool).is_citus().await? {
    ///     println!("plain PostgreSQL: Citus steps will be skipped");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn is_citus(&self) -> Result<bool, Error> {
        metadata::has_citus(&self.pool).await
    }

    /// Shards `table` by `column`, colocated with `colocate_with` (normally the tenant table).
    ///
    /// Already distributed by `column` in the same colocation group: nothing to do. Distributed
    /// some other way: [`Error::Citus`] naming the `alter_distributed_table` call to run instead.
    ///
    /// # Errors
    /// [`Error::Citus`], [`Error::CitusMissing`], database errors (Citus' own refusals).
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(citus: tenancy_sqlx::citus::Citus) -> Result<(), tenancy_sqlx::Error> {
    /// use tenancy_sqlx::core::TableName;
    /// let outcome = citus
    ///     .create_distributed_table(&TableName::parse("tasks")?, "tenant_id", Some(&TableName::parse("accounts")?))
    ///     .await?;
    /// println!("{outcome}");
    /// # Ok(()) }
    /// ```
    pub async fn create_distributed_table(
        &self,
        table: &TableName,
        column: &str,
        colocate_with: Option<&TableName>,
    ) -> Result<Outcome, Error> {
        let operation = format!("create_distributed_table({table}, {column})");
        if !self.citus_present(&operation).await? {
            return Ok(Outcome::SkippedPlainPostgres);
        }
        let sql = ddl::create_distributed_table(table, column, colocate_with);
        match metadata::distribution(&self.pool, table).await? {
            Distribution::Local | Distribution::CitusLocal => self.run(sql).await,
            Distribution::Hash {
                column: current,
                colocation_id,
            } if current == column => {
                let anchor_group = match colocate_with {
                    Some(anchor) => metadata::colocation_id(&self.pool, anchor).await?,
                    None => Some(colocation_id),
                };
                if anchor_group == Some(colocation_id) {
                    Ok(Outcome::AlreadyDone {
                        detail: format!("{table} is distributed by {column}"),
                    })
                } else {
                    let fix = ddl::alter_distributed_table(
                        table,
                        &Alteration::default()
                            .colocate_with(colocate_with.cloned().unwrap_or_else(|| table.clone())),
                    );
                    Err(Error::Citus {
                        operation,
                        reason: format!(
                            "{table} is distributed by {column} but not colocated with the \
                             requested table; run {fix}"
                        ),
                    })
                }
            }
            other => Err(Error::Citus {
                operation,
                reason: format!(
                    "{table} is already {other}; run {} to change it",
                    ddl::alter_distributed_table(
                        table,
                        &Alteration::default().distribution_column(column)
                    )
                ),
            }),
        }
    }

    /// Makes `table` a reference table (a copy on every node, for shared data such as plans).
    ///
    /// # Errors
    /// [`Error::Citus`] when it is distributed by a column (undistribute it first),
    /// [`Error::CitusMissing`], database errors.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(citus: tenancy_sqlx::citus::Citus) -> Result<(), tenancy_sqlx::Error> {
    /// citus.create_reference_table(&tenancy_sqlx::core::TableName::parse("plans")?).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_reference_table(&self, table: &TableName) -> Result<Outcome, Error> {
        let operation = format!("create_reference_table({table})");
        if !self.citus_present(&operation).await? {
            return Ok(Outcome::SkippedPlainPostgres);
        }
        match metadata::distribution(&self.pool, table).await? {
            Distribution::Local | Distribution::CitusLocal => {
                self.run(ddl::create_reference_table(table)).await
            }
            Distribution::Reference => Ok(Outcome::AlreadyDone {
                detail: format!("{table} is a reference table"),
            }),
            other => Err(Error::Citus {
                operation,
                reason: format!(
                    "{table} is already {other}; run {} first",
                    ddl::undistribute_table(table, false)
                ),
            }),
        }
    }

    /// Turns a distributed, reference or Citus-managed table back into a local table.
    /// `cascade` includes the tables connected to it by foreign keys.
    ///
    /// # Errors
    /// [`Error::CitusMissing`], database errors.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(citus: tenancy_sqlx::citus::Citus) -> Result<(), tenancy_sqlx::Error> {
    /// citus.undistribute_table(&tenancy_sqlx::core::TableName::parse("tasks")?, false).await?;
    /// # Ok(()) }
    /// ```
    pub async fn undistribute_table(
        &self,
        table: &TableName,
        cascade: bool,
    ) -> Result<Outcome, Error> {
        let operation = format!("undistribute_table({table})");
        if !self.citus_present(&operation).await? {
            return Ok(Outcome::SkippedPlainPostgres);
        }
        match metadata::distribution(&self.pool, table).await? {
            Distribution::Local => Ok(Outcome::AlreadyDone {
                detail: format!("{table} is a local table"),
            }),
            _ => self.run(ddl::undistribute_table(table, cascade)).await,
        }
    }

    /// Changes how a distributed table is sharded. Only the parts of `change` that differ from
    /// the current state are sent; when none differ, nothing runs.
    ///
    /// # Errors
    /// [`Error::Citus`] when the table is not hash-distributed, [`Error::CitusMissing`],
    /// database errors.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(citus: tenancy_sqlx::citus::Citus) -> Result<(), tenancy_sqlx::Error> {
    /// use tenancy_sqlx::{citus::ddl::Alteration, core::TableName};
    /// citus.alter_distributed_table(&TableName::parse("tasks")?, &Alteration::default().shard_count(64)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn alter_distributed_table(
        &self,
        table: &TableName,
        change: &Alteration,
    ) -> Result<Outcome, Error> {
        let operation = format!("alter_distributed_table({table})");
        if !self.citus_present(&operation).await? {
            return Ok(Outcome::SkippedPlainPostgres);
        }
        let Distribution::Hash {
            column,
            colocation_id,
        } = metadata::distribution(&self.pool, table).await?
        else {
            return Err(Error::Citus {
                operation,
                reason: format!(
                    "{table} is not hash-distributed; run create_distributed_table first"
                ),
            });
        };
        let mut needed = Alteration {
            cascade_to_colocated: change.cascade_to_colocated,
            ..Alteration::default()
        };
        if change
            .distribution_column
            .as_ref()
            .is_some_and(|c| *c != column)
        {
            needed
                .distribution_column
                .clone_from(&change.distribution_column);
        }
        if let Some(count) = change.shard_count
            && metadata::shard_count(&self.pool, table).await? != i64::from(count)
        {
            needed.shard_count = Some(count);
        }
        if let Some(anchor) = &change.colocate_with
            && metadata::colocation_id(&self.pool, anchor).await? != Some(colocation_id)
        {
            needed.colocate_with = Some(anchor.clone());
        }
        if needed.distribution_column.is_none()
            && needed.shard_count.is_none()
            && needed.colocate_with.is_none()
        {
            return Ok(Outcome::AlreadyDone {
                detail: format!("{table} already has the requested distribution"),
            });
        }
        self.run(ddl::alter_distributed_table(table, &needed)).await
    }

    /// Moves one tenant into a shard of its own (with its rows in every colocated table), for a
    /// tenant big enough to deserve its own node. Already alone in its shard: nothing to do.
    ///
    /// # Errors
    /// [`Error::Citus`] when `table` is not hash-distributed, [`Error::CitusMissing`], database
    /// errors.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(citus: tenancy_sqlx::citus::Citus) -> Result<(), tenancy_sqlx::Error> {
    /// use tenancy_sqlx::core::{TableName, TenantId};
    /// citus.isolate_tenant_to_new_shard(&TableName::parse("accounts")?, &TenantId::Int(42)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn isolate_tenant_to_new_shard(
        &self,
        table: &TableName,
        tenant: &TenantId,
    ) -> Result<Outcome, Error> {
        let operation = format!("isolate_tenant_to_new_shard({table}, {tenant})");
        if !self.citus_present(&operation).await? {
            return Ok(Outcome::SkippedPlainPostgres);
        }
        if !matches!(
            metadata::distribution(&self.pool, table).await?,
            Distribution::Hash { .. }
        ) {
            return Err(Error::Citus {
                operation,
                reason: format!("{table} is not hash-distributed; distribute it first"),
            });
        }
        if metadata::tenant_is_isolated(&self.pool, table, tenant).await? {
            return Ok(Outcome::AlreadyDone {
                detail: format!("tenant {tenant} already has a shard of its own"),
            });
        }
        self.run(ddl::isolate_tenant_to_new_shard(
            table,
            tenant,
            self.transfer_mode,
        ))
        .await
    }

    /// Adds the worker at `host:port` to the cluster (already a node: nothing to do).
    ///
    /// # Errors
    /// [`Error::CitusMissing`], database errors (for instance the coordinator cannot reach it).
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(citus: tenancy_sqlx::citus::Citus) -> Result<(), tenancy_sqlx::Error> {
    /// citus.add_node("10.0.0.7", 5432).await?;
    /// citus.rebalance().await?;
    /// # Ok(()) }
    /// ```
    pub async fn add_node(&self, host: &str, port: u16) -> Result<Outcome, Error> {
        let operation = format!("citus_add_node({host}, {port})");
        if !self.citus_present(&operation).await? {
            return Ok(Outcome::SkippedPlainPostgres);
        }
        if metadata::node_exists(&self.pool, host, port).await? {
            return Ok(Outcome::AlreadyDone {
                detail: format!("{host}:{port} is a node already"),
            });
        }
        self.run(ddl::citus_add_node(host, port)).await
    }

    /// Moves shards until the nodes are balanced, waiting until done (`rebalance_table_shards`).
    /// Nothing to move: nothing runs.
    ///
    /// # Errors
    /// [`Error::CitusMissing`], database errors (e.g. `Auto` mode on tables without a replica
    /// identity, or `wal_level` below `logical`).
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(citus: tenancy_sqlx::citus::Citus) -> Result<(), tenancy_sqlx::Error> {
    /// println!("{}", citus.rebalance().await?);
    /// # Ok(()) }
    /// ```
    pub async fn rebalance(&self) -> Result<Outcome, Error> {
        if !self.citus_present("rebalance_table_shards()").await? {
            return Ok(Outcome::SkippedPlainPostgres);
        }
        let moves = metadata::planned_moves(&self.pool).await?;
        if moves == 0 {
            return Ok(Outcome::AlreadyDone {
                detail: "the shards are balanced".to_owned(),
            });
        }
        self.run(ddl::rebalance_table_shards(self.transfer_mode))
            .await
    }

    /// Starts a background rebalance (`citus_rebalance_start`) and returns its job id; when a
    /// rebalance is already running, returns that job's id without starting another, and when
    /// nothing needs to move, returns `None`.
    ///
    /// # Errors
    /// [`Error::CitusMissing`], database errors.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(citus: tenancy_sqlx::citus::Citus) -> Result<(), tenancy_sqlx::Error> {
    /// if let (_, Some(job)) = citus.start_rebalance().await? {
    ///     println!("watch it with: SELECT * FROM citus_rebalance_status() -- job {job}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn start_rebalance(&self) -> Result<(Outcome, Option<i64>), Error> {
        if !self.citus_present("citus_rebalance_start()").await? {
            return Ok((Outcome::SkippedPlainPostgres, None));
        }
        if let Some(job) = metadata::running_rebalance(&self.pool).await? {
            return Ok((
                Outcome::AlreadyDone {
                    detail: format!("rebalance job {job} is running"),
                },
                Some(job),
            ));
        }
        if metadata::planned_moves(&self.pool).await? == 0 {
            return Ok((
                Outcome::AlreadyDone {
                    detail: "the shards are balanced".to_owned(),
                },
                None,
            ));
        }
        let sql = ddl::citus_rebalance_start(self.transfer_mode);
        tracing::info!(target: "tenancy::audit", sql = %sql, "citus");
        let job: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_one(&self.pool)
            .await?;
        Ok((Outcome::Applied { sql }, Some(job)))
    }

    /// Whether to go on: `true` on Citus; on plain PostgreSQL warn (`false`) or fail.
    async fn citus_present(&self, operation: &str) -> Result<bool, Error> {
        if self.is_citus().await? {
            return Ok(true);
        }
        match self.on_plain {
            OnPlainPostgres::Warn => {
                tracing::warn!(
                    target: "tenancy::citus",
                    operation,
                    "no citus extension in this database: skipped (plain PostgreSQL)"
                );
                Ok(false)
            }
            OnPlainPostgres::Error => Err(Error::CitusMissing {
                operation: operation.to_owned(),
            }),
        }
    }

    async fn run(&self, sql: String) -> Result<Outcome, Error> {
        // Cluster changes are admin actions: leave the same trail as unscoped work.
        tracing::info!(target: "tenancy::audit", sql = %sql, "citus");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&self.pool)
            .await?;
        Ok(Outcome::Applied { sql })
    }
}
