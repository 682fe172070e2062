//! A transaction bound to one tenant.

use std::sync::Arc;

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::{FutureExt, StreamExt, stream};
use sqlx::postgres::{PgConnection, PgQueryResult, PgRow, PgStatement, PgTypeInfo, Postgres};
use sqlx::{Either, Execute, Executor, PgPool, SqlStr, Transaction};
use tenancy_core::{Rewriter, TenantId};

use crate::error::Error;
use crate::scoped_query::ScopedQuery;

/// The setting row-level-security policies read (see [`crate::rls`]).
pub const TENANT_SETTING: &str = "tenancy.tenant_id";

/// A transaction in which every statement is scoped to the tenant it began with.
///
/// The tenant is fixed when the transaction begins (from the scope that called
/// [`TenantPool::begin`](crate::TenantPool::begin)). With row-level security on, the transaction
/// first runs `set_config('tenancy.tenant_id', $1, true)`: the setting is transaction-local, so it
/// vanishes at commit or rollback and a pooled connection never carries a tenant into its next
/// checkout — also behind PgBouncer in transaction mode. Dropping the transaction without commit
/// rolls it back.
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
    tenant: TenantId,
}

impl TenantTransaction {
    pub(crate) async fn begin(
        pool: &PgPool,
        rewriter: Arc<Rewriter>,
        tenant: TenantId,
        row_level_security: bool,
    ) -> Result<Self, Error> {
        let mut inner = pool.begin().await?;
        if row_level_security {
            sqlx::query("SELECT set_config('tenancy.tenant_id', $1, true)")
                .bind(tenant.to_string())
                .execute(&mut *inner)
                .await?;
        }
        Ok(Self {
            inner,
            rewriter,
            tenant,
        })
    }

    /// The tenant every statement of this transaction is scoped to.
    #[must_use]
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
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
}

type Step = Either<PgQueryResult, PgRow>;

impl<'t> Executor<'t> for &'t mut TenantTransaction {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Step, sqlx::Error>>
    where
        't: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        match ScopedQuery::new(&self.rewriter, &self.tenant, query) {
            Ok(scoped) => self.inner.fetch_many(scoped),
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
        match ScopedQuery::new(&self.rewriter, &self.tenant, query) {
            Ok(scoped) => self.inner.fetch_optional(scoped),
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
        match ScopedQuery::new(&self.rewriter, &self.tenant, sql) {
            Ok(scoped) => self.inner.prepare_with(scoped.into_sql(), parameters),
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
        match ScopedQuery::new(&self.rewriter, &self.tenant, sql) {
            Ok(scoped) => self.inner.describe(scoped.into_sql()),
            Err(error) => async { Err(error.into()) }.boxed(),
        }
    }
}
