//! The tenant-scoped pool: every statement rewritten for the tenant in scope.

use std::sync::Arc;

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::{FutureExt, StreamExt, TryStreamExt, stream};
use sqlx::postgres::{PgQueryResult, PgRow, PgStatement, PgTypeInfo, Postgres};
use sqlx::{Either, Execute, Executor, PgPool, SqlStr};
use tenancy_core::{Catalog, Rewriter, TenantId, context};

use crate::error::Error;
use crate::scoped_query::ScopedQuery;
use crate::transaction::TenantTransaction;

/// A `PgPool` through which every statement is scoped to the current tenant.
///
/// Use `&TenantPool` wherever sqlx takes an executor: `query`, `query_as`, `query_scalar`, the
/// `query!` family and raw strings are all rewritten by [`tenancy_core::Rewriter`] and get the
/// tenant bound as their last parameter. Without a tenant in scope nothing is sent: the call fails
/// with [`tenancy_core::Error::NoTenant`] (inside `sqlx::Error::Configuration`; see
/// [`Error::from_sqlx`]).
///
/// With [row-level security](Self::with_row_level_security) on, each statement runs in its own
/// transaction that first sets `tenancy.tenant_id` transaction-locally, so the database enforces
/// the same boundary as a second wall; group statements with [`begin`](Self::begin) to pay that
/// once per transaction.
///
/// Cloning is cheap: the pool and the rewriter are shared.
///
/// # Example
/// ```no_run
/// use tenancy_sqlx::{core::{context, Catalog, TenantId}, TenantPool};
///
/// # async fn run(pool: sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
/// let catalog = Catalog::builder().tenant_table("tasks").build()?;
/// let db = TenantPool::new(pool, catalog);
/// let titles: Vec<String> = context::scope(TenantId::Int(7), async {
///     // Sent as: SELECT title FROM tasks WHERE (done = $1) AND tasks.tenant_id = $2
///     sqlx::query_scalar("SELECT title FROM tasks WHERE done = $1")
///         .bind(false)
///         .fetch_all(&db)
///         .await
/// })
/// .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TenantPool {
    pool: PgPool,
    rewriter: Arc<Rewriter>,
    row_level_security: bool,
}

impl TenantPool {
    /// Scopes `pool` with a rewriter over `catalog`; row-level security off.
    #[must_use]
    pub fn new(pool: PgPool, catalog: Catalog) -> Self {
        Self::with_rewriter(pool, Arc::new(Rewriter::new(catalog)))
    }

    /// Scopes `pool` with a shared rewriter (and its cache).
    #[must_use]
    pub fn with_rewriter(pool: PgPool, rewriter: Arc<Rewriter>) -> Self {
        Self {
            pool,
            rewriter,
            row_level_security: false,
        }
    }

    /// Turns the row-level-security wall on or off: when on, every transaction first runs
    /// `set_config('tenancy.tenant_id', <tenant>, true)` for the policies of [`crate::rls`].
    #[must_use]
    pub fn with_row_level_security(mut self, on: bool) -> Self {
        self.row_level_security = on;
        self
    }

    /// Whether statements set `tenancy.tenant_id` for row-level security.
    #[must_use]
    pub fn row_level_security(&self) -> bool {
        self.row_level_security
    }

    /// The rewriter every statement goes through.
    #[must_use]
    pub fn rewriter(&self) -> &Arc<Rewriter> {
        &self.rewriter
    }

    /// Begins a transaction for the tenant in scope.
    ///
    /// # Errors
    /// [`tenancy_core::Error::NoTenant`] outside a tenant scope; database errors.
    pub async fn begin(&self) -> Result<TenantTransaction, Error> {
        let tenant = context::current()?;
        TenantTransaction::begin(
            &self.pool,
            Arc::clone(&self.rewriter),
            tenant,
            self.row_level_security,
        )
        .await
    }

    /// The raw pool, for audited admin and migration work that must see every tenant.
    ///
    /// Each call is logged at `WARN` with target `tenancy::audit`, the reason and the caller.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(db: tenancy_sqlx::TenantPool) -> Result<(), sqlx::Error> {
    /// sqlx::query("VACUUM ANALYZE tasks")
    ///     .execute(db.unscoped("nightly maintenance"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn unscoped(&self, reason: &'static str) -> &PgPool {
        let caller = std::panic::Location::caller();
        tracing::warn!(target: "tenancy::audit", reason, %caller, "unscoped database access");
        &self.pool
    }

    fn scope<'q, E: Execute<'q, Postgres>>(
        &self,
        query: E,
    ) -> Result<(TenantId, ScopedQuery), Error> {
        let tenant = context::current()?;
        let scoped = ScopedQuery::new(&self.rewriter, &tenant, query)?;
        Ok((tenant, scoped))
    }
}

type Step = Either<PgQueryResult, PgRow>;

impl<'p> Executor<'p> for &'_ TenantPool {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Step, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let (tenant, scoped) = match self.scope(query) {
            Ok(parts) => parts,
            Err(error) => return stream::once(async { Err(error.into()) }).boxed(),
        };
        if !self.row_level_security {
            return self.pool.fetch_many(scoped);
        }
        // The setting must be transaction-local, so the statement gets a transaction of its own;
        // its results are collected before the commit, which ends the stream.
        let pool = self.pool.clone();
        let rewriter = Arc::clone(&self.rewriter);
        async move {
            let mut tx = TenantTransaction::begin(&pool, rewriter, tenant, true).await?;
            let steps: Vec<Step> = tx.connection().fetch_many(scoped).try_collect().await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(stream::iter(steps.into_iter().map(Ok)))
        }
        .map(|result| match result {
            Ok(steps) => steps.left_stream(),
            Err(error) => stream::once(async { Err(error) }).right_stream(),
        })
        .flatten_stream()
        .boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let (tenant, scoped) = match self.scope(query) {
            Ok(parts) => parts,
            Err(error) => return async { Err(error.into()) }.boxed(),
        };
        if !self.row_level_security {
            return self.pool.fetch_optional(scoped);
        }
        let pool = self.pool.clone();
        let rewriter = Arc::clone(&self.rewriter);
        async move {
            let mut tx = TenantTransaction::begin(&pool, rewriter, tenant, true).await?;
            let row = tx.connection().fetch_optional(scoped).await?;
            tx.commit().await?;
            Ok(row)
        }
        .boxed()
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement, sqlx::Error>>
    where
        'p: 'e,
    {
        // Preparing only describes a statement; the scoped text is what would run.
        match self.scope(sql) {
            Ok((_, scoped)) => self.pool.prepare_with(scoped.into_sql(), parameters),
            Err(error) => async { Err(error.into()) }.boxed(),
        }
    }

    fn describe<'e>(
        self,
        sql: SqlStr,
    ) -> BoxFuture<'e, Result<sqlx::Describe<Postgres>, sqlx::Error>>
    where
        'p: 'e,
    {
        match self.scope(sql) {
            Ok((_, scoped)) => self.pool.describe(scoped.into_sql()),
            Err(error) => async { Err(error.into()) }.boxed(),
        }
    }
}
