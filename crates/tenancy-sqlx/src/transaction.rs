//! A transaction bound to one tenant, or to an audited unscoped section.

use std::sync::Arc;

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::{FutureExt, StreamExt, stream};
use sqlx::postgres::{PgConnection, PgQueryResult, PgRow, PgStatement, PgTypeInfo, Postgres};
use sqlx::{Either, Execute, Executor, PgPool, SqlStr, Transaction};
use tenancy_core::{Rewriter, TenantId};

use crate::error::Error;
use crate::mismatch;
use crate::route::Route;
use crate::search_path::SEARCH_PATH;

/// The setting row-level-security policies read (see [`crate::rls`]).
pub const TENANT_SETTING: &str = "tenancy.tenant_id";

/// A transaction in which every statement is scoped to the tenant it began with.
///
/// The scope is fixed when the transaction begins (from the scope that called
/// [`TenantPool::begin`](crate::TenantPool::begin)):
///
/// - **In a tenant scope**, every statement is rewritten for that tenant. With row-level security
///   on, the transaction first runs `set_config('tenancy.tenant_id', $1, true)` (and sets
///   `search_path` to [`SEARCH_PATH`](crate::SEARCH_PATH) in the same statement): the settings
///   are transaction-local, so they vanish at commit or rollback and a pooled connection never
///   carries a tenant into its next checkout — also behind PgBouncer in transaction mode.
/// - **In an audited [`tenancy_core::unscoped`] section**, statements run as written, and only
///   while the calling task is still inside an unscoped section; anywhere else they fail with
///   `NoTenant`.
///
/// Dropping the transaction without commit rolls it back.
///
/// # Example
/// ```no_run
/// use tenancy_sqlx::{core::{context, TenantId}, TenantPool};
///
/// # async fn run(db: TenantPool) -> Result<(), tenancy_sqlx::Error> {
/// context::scope(TenantId::Int(7), async {
///     let mut tx = db.begin().await?;
///     sqlx::query("INSERT INTO projects (id, name) VALUES ($1, $2)")
///         .bind(1_i64)
///         .bind("Launch")
///         .execute(&mut tx)
///         .await?;
///     tx.commit().await
/// })
/// .await
/// # }
/// ```
#[derive(Debug)]
pub struct TenantTransaction {
    inner: Transaction<'static, Postgres>,
    rewriter: Arc<Rewriter>,
    scope: TransactionScope,
}

/// What a [`TenantTransaction`] was begun for.
#[derive(Debug, Clone)]
pub(crate) enum TransactionScope {
    Tenant(TenantId),
    Unscoped,
}

impl TenantTransaction {
    pub(crate) async fn begin(
        pool: &PgPool,
        rewriter: Arc<Rewriter>,
        scope: TransactionScope,
        row_level_security: bool,
    ) -> Result<Self, Error> {
        let mut inner = pool.begin().await?;
        if let (TransactionScope::Tenant(tenant), true) = (&scope, row_level_security) {
            // The round trip RLS pays anyway also pins name resolution for this transaction,
            // whatever the pool's connections were built with.
            sqlx::query("SELECT set_config('tenancy.tenant_id', $1, true), set_config('search_path', $2, true)")
                .bind(tenant.to_string())
                .bind(SEARCH_PATH)
                .execute(&mut *inner)
                .await?;
        }
        Ok(Self {
            inner,
            rewriter,
            scope,
        })
    }

    /// The tenant every statement of this transaction is scoped to; `None` for a transaction
    /// begun in an unscoped section.
    ///
    /// # Example
    /// ```no_run
    /// use tenancy_sqlx::{core::{context, TenantId}, TenantPool};
    ///
    /// # async fn run(db: TenantPool) -> Result<(), tenancy_sqlx::Error> {
    /// let tx = context::scope(TenantId::Int(7), db.begin()).await?;
    /// assert_eq!(tx.tenant(), Some(&TenantId::Int(7)));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn tenant(&self) -> Option<&TenantId> {
        match &self.scope {
            TransactionScope::Tenant(tenant) => Some(tenant),
            TransactionScope::Unscoped => None,
        }
    }

    /// Commits the transaction.
    ///
    /// # Errors
    /// Database errors.
    pub async fn commit(self) -> Result<(), Error> {
        Ok(self.inner.commit().await?)
    }

    /// Rolls the transaction back.
    ///
    /// # Errors
    /// Database errors.
    pub async fn rollback(self) -> Result<(), Error> {
        Ok(self.inner.rollback().await?)
    }

    /// The underlying connection, unscoped: only for statements already scoped.
    pub(crate) fn connection(&mut self) -> &mut PgConnection {
        &mut self.inner
    }

    fn route<'q, E: Execute<'q, Postgres>>(&self, query: E) -> Result<Route<E>, Error> {
        match &self.scope {
            TransactionScope::Tenant(tenant) => {
                Route::for_tenant(&self.rewriter, tenant.clone(), query)
            }
            TransactionScope::Unscoped => Route::raw_if_unscoped(query),
        }
    }
}

type Step = Either<PgQueryResult, PgRow>;

impl<'t> Executor<'t> for &'t mut TenantTransaction {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Step, sqlx::Error>>
    where
        't: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        match self.route(query) {
            Ok(Route::Scoped { query, tenant }) => {
                mismatch::read_stream(self.inner.fetch_many(query), tenant)
            }
            Ok(Route::Raw(query)) => self.inner.fetch_many(query),
            Err(error) => stream::once(async { Err(error.into()) }).boxed(),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        't: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        match self.route(query) {
            Ok(Route::Scoped { query, tenant }) => self
                .inner
                .fetch_optional(query)
                .map(move |result| result.map_err(|error| mismatch::read(error, &tenant)))
                .boxed(),
            Ok(Route::Raw(query)) => self.inner.fetch_optional(query),
            Err(error) => async { Err(error.into()) }.boxed(),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement, sqlx::Error>>
    where
        't: 'e,
    {
        match self.route(sql) {
            Ok(Route::Scoped { query, .. }) => {
                self.inner.prepare_with(query.into_sql(), parameters)
            }
            Ok(Route::Raw(sql)) => self.inner.prepare_with(sql, parameters),
            Err(error) => async { Err(error.into()) }.boxed(),
        }
    }

    fn describe<'e>(
        self,
        sql: SqlStr,
    ) -> BoxFuture<'e, Result<sqlx::Describe<Postgres>, sqlx::Error>>
    where
        't: 'e,
    {
        match self.route(sql) {
            Ok(Route::Scoped { query, .. }) => self.inner.describe(query.into_sql()),
            Ok(Route::Raw(sql)) => self.inner.describe(sql),
            Err(error) => async { Err(error.into()) }.boxed(),
        }
    }
}
