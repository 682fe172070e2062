//! `&TenantPool` as a sqlx `Executor`: each statement routed by the scope it runs in.

use std::sync::Arc;

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::{FutureExt, StreamExt, TryStreamExt, stream};
use sqlx::postgres::{PgQueryResult, PgRow, PgStatement, PgTypeInfo, Postgres};
use sqlx::{Either, Execute, Executor, SqlStr};
use tenancy_core::TenantId;

use super::TenantPool;
use crate::mismatch;
use crate::route::Route;
use crate::scoped_query::ScopedQuery;
use crate::transaction::{TenantTransaction, TransactionScope};

type Step = Either<PgQueryResult, PgRow>;

impl TenantPool {
    /// Begins the transaction a statement needs of its own under row-level security: the
    /// setting must be transaction-local.
    async fn rls_transaction(&self, tenant: TenantId) -> Result<TenantTransaction, sqlx::Error> {
        Ok(TenantTransaction::begin(
            &self.pool,
            Arc::clone(&self.rewriter),
            TransactionScope::Tenant(tenant),
            true,
        )
        .await?)
    }

    /// Runs `query` in its own row-level-security transaction; the results are collected before
    /// the commit, which ends the stream.
    fn fetch_many_rls<'e>(
        &self,
        query: ScopedQuery,
        tenant: TenantId,
    ) -> BoxStream<'e, Result<Step, sqlx::Error>> {
        let pool = self.clone();
        async move {
            let mut tx = pool.rls_transaction(tenant.clone()).await?;
            let steps: Vec<Step> = tx
                .connection()
                .fetch_many(query)
                .map_err(|error| mismatch::read(error, &tenant))
                .try_collect()
                .await?;
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

    fn fetch_optional_rls<'e>(
        &self,
        query: ScopedQuery,
        tenant: TenantId,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>> {
        let pool = self.clone();
        async move {
            let mut tx = pool.rls_transaction(tenant.clone()).await?;
            let row = tx
                .connection()
                .fetch_optional(query)
                .await
                .map_err(|error| mismatch::read(error, &tenant))?;
            tx.commit().await?;
            Ok(row)
        }
        .boxed()
    }
}

impl<'p> Executor<'p> for &'_ TenantPool {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Step, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        match Route::in_scope(&self.rewriter, query) {
            Ok(Route::Scoped { query, tenant }) if self.row_level_security => {
                self.fetch_many_rls(query, tenant)
            }
            Ok(Route::Scoped { query, tenant }) => {
                mismatch::read_stream(self.pool.fetch_many(query), tenant)
            }
            Ok(Route::Raw(query)) => self.pool.fetch_many(query),
            Err(error) => stream::once(async { Err(error.into()) }).boxed(),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        match Route::in_scope(&self.rewriter, query) {
            Ok(Route::Scoped { query, tenant }) if self.row_level_security => {
                self.fetch_optional_rls(query, tenant)
            }
            Ok(Route::Scoped { query, tenant }) => self
                .pool
                .fetch_optional(query)
                .map(move |result| result.map_err(|error| mismatch::read(error, &tenant)))
                .boxed(),
            Ok(Route::Raw(query)) => self.pool.fetch_optional(query),
            Err(error) => async { Err(error.into()) }.boxed(),
        }
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
        match Route::in_scope(&self.rewriter, sql) {
            Ok(Route::Scoped { query, .. }) => self.pool.prepare_with(query.into_sql(), parameters),
            Ok(Route::Raw(sql)) => self.pool.prepare_with(sql, parameters),
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
        match Route::in_scope(&self.rewriter, sql) {
            Ok(Route::Scoped { query, .. }) => self.pool.describe(query.into_sql()),
            Ok(Route::Raw(sql)) => self.pool.describe(sql),
            Err(error) => async { Err(error.into()) }.boxed(),
        }
    }
}
