//! The `baseline` build's database access: plain sqlx with the same method names as the SDK's
//! pool and transaction, so the domain code compiles unchanged. Nothing is rewritten or checked:
//! a statement reaches only its tenant's rows because its SQL says `tenant_id = $n`.

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx::postgres::{PgQueryResult, PgRow, PgStatement, PgTypeInfo, Postgres};
use sqlx::{Either, Execute, Executor, PgPool, SqlStr};

type Step = Either<PgQueryResult, PgRow>;

/// A plain pool.
#[derive(Clone, Debug)]
pub struct PlainPool(PgPool);

/// A plain transaction; dropped without commit, it rolls back.
#[derive(Debug)]
pub struct PlainTransaction(sqlx::Transaction<'static, Postgres>);

impl PlainPool {
    /// Wraps `pool`.
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self(pool)
    }

    /// Begins a transaction.
    ///
    /// # Errors
    /// Database errors.
    pub async fn begin(&self) -> sqlx::Result<PlainTransaction> {
        Ok(PlainTransaction(self.0.begin().await?))
    }
}

impl PlainTransaction {
    /// Commits.
    ///
    /// # Errors
    /// Database errors.
    pub async fn commit(self) -> sqlx::Result<()> {
        self.0.commit().await
    }
}

/// Implements `Executor` for a wrapper by handing every statement, unchanged, to what it wraps
/// (the pool, or the transaction's connection).
macro_rules! forward_executor {
    ($lt:lifetime, $wrapper:ty) => {
        impl<$lt> Executor<$lt> for $wrapper {
            type Database = Postgres;

            fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Step, sqlx::Error>>
            where
                $lt: 'e,
                E: 'q + Execute<'q, Postgres>,
            {
                self.0.fetch_many(query)
            }

            fn fetch_optional<'e, 'q: 'e, E>(
                self,
                query: E,
            ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
            where
                $lt: 'e,
                E: 'q + Execute<'q, Postgres>,
            {
                self.0.fetch_optional(query)
            }

            fn prepare_with<'e>(
                self,
                sql: SqlStr,
                parameters: &'e [PgTypeInfo],
            ) -> BoxFuture<'e, Result<PgStatement, sqlx::Error>>
            where
                $lt: 'e,
            {
                self.0.prepare_with(sql, parameters)
            }

            fn describe<'e>(
                self,
                sql: SqlStr,
            ) -> BoxFuture<'e, Result<sqlx::Describe<Postgres>, sqlx::Error>>
            where
                $lt: 'e,
            {
                self.0.describe(sql)
            }
        }
    };
}

forward_executor!('p, &'_ PlainPool);
forward_executor!('t, &'t mut PlainTransaction);
