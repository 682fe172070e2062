//! Schema-per-tenant mode (the seed's Phase 1, django-tenants parity): each tenant gets its own
//! PostgreSQL schema holding the same tables, and each transaction runs with
//! `search_path = <tenant schema>, <shared schemas>`.
//!
//! - [`SchemaTenancy::begin`] opens a transaction for the tenant in scope; the search path is set
//!   with `set_config('search_path', $1, true)`: bound, and transaction-local, so it is gone at
//!   commit or rollback and never follows the connection back into the pool.
//! - Schema names are validated [`SchemaName`]s: DDL cannot take bind parameters, so names are
//!   restricted to characters that need no quoting.
//! - Create, [clone](SchemaTenancy::clone_schema) (structure, optionally data), rename and drop
//!   tenant schemas; run a sqlx migration directory across every tenant schema in parallel with
//!   per-schema results ([`migrate`]).
//!
//! Moving off this mode onto shared tables and Citus is what the `tenancy migrate` tooling is for.

mod clone;
pub mod migrate;
mod name;

use std::ops::{Deref, DerefMut};

use sqlx::postgres::PgConnection;
use sqlx::{PgPool, Postgres, Transaction};
use tenancy_core::{TenantId, context};

use crate::error::Error;
pub use clone::CloneOptions;
pub use name::SchemaName;

/// Schema-per-tenant access to one database.
///
/// # Example
/// ```no_run
/// use tenancy_sqlx::schema_mode::SchemaTenancy;
/// use tenancy_sqlx::core::{context, TenantId};
///
/// # async fn run(pool: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// let tenancy = SchemaTenancy::new(pool);
/// let acme = tenancy.schema_for(&TenantId::from("acme"))?; // tenant_acme
/// tenancy.create_schema(&acme).await?;
/// context::scope(TenantId::from("acme"), async {
///     let mut tx = tenancy.begin().await?;
///     // Unqualified names resolve in tenant_acme, then public.
///     sqlx::query("CREATE TABLE notes (id bigint PRIMARY KEY, body text)").execute(&mut *tx).await?;
///     tx.commit().await
/// })
/// .await
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SchemaTenancy {
    pool: PgPool,
    prefix: String,
    shared_schemas: Vec<String>,
}

impl SchemaTenancy {
    /// Tenant schemas named `tenant_<id>`, with `public` shared after them on the search path.
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            prefix: "tenant_".to_owned(),
            shared_schemas: vec!["public".to_owned()],
        }
    }

    /// Names tenant schemas `<prefix><id>` (see [`SchemaName::for_tenant`]).
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        prefix.clone_into(&mut self.prefix);
        self
    }

    /// The schemas searched after the tenant's (default `public`); each must be a plain
    /// lower-case identifier.
    ///
    /// # Errors
    /// [`Error::InvalidSchemaName`] for a name that would need quoting.
    pub fn with_shared_schemas<I, S>(mut self, schemas: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let schemas: Vec<String> = schemas.into_iter().map(Into::into).collect();
        for schema in &schemas {
            if schema != "public" {
                SchemaName::new(schema)?;
            }
        }
        self.shared_schemas = schemas;
        Ok(self)
    }

    /// The pool this mode runs on.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The schema of `tenant`.
    ///
    /// # Errors
    /// [`Error::InvalidSchemaName`] when the derived name is not valid.
    pub fn schema_for(&self, tenant: &TenantId) -> Result<SchemaName, Error> {
        SchemaName::for_tenant(&self.prefix, tenant)
    }

    /// Begins a transaction whose search path is the current tenant's schema, then the shared
    /// schemas.
    ///
    /// # Errors
    /// [`tenancy_core::Error::NoTenant`] outside a tenant scope, [`Error::UnknownSchema`] when the
    /// tenant has no schema, database errors.
    pub async fn begin(&self) -> Result<SchemaTransaction, Error> {
        let tenant = context::current()?;
        let schema = self.schema_for(&tenant)?;
        let mut inner = self.pool.begin().await?;
        let exists: bool = sqlx::query_scalar("SELECT to_regnamespace($1) IS NOT NULL")
            .bind(schema.as_str())
            .fetch_one(&mut *inner)
            .await?;
        if !exists {
            return Err(Error::UnknownSchema(schema));
        }
        let search_path = std::iter::once(schema.as_str())
            .chain(self.shared_schemas.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query("SELECT set_config('search_path', $1, true)")
            .bind(search_path)
            .execute(&mut *inner)
            .await?;
        Ok(SchemaTransaction { inner, schema })
    }

    /// Creates an empty tenant schema.
    ///
    /// # Errors
    /// [`Error::SchemaExists`] when it exists already; database errors.
    pub async fn create_schema(&self, schema: &SchemaName) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        if schema_exists(&mut tx, schema).await? {
            return Err(Error::SchemaExists(schema.clone()));
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Renames a tenant schema.
    ///
    /// # Errors
    /// [`Error::UnknownSchema`] / [`Error::SchemaExists`]; database errors.
    pub async fn rename_schema(&self, from: &SchemaName, to: &SchemaName) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        if !schema_exists(&mut tx, from).await? {
            return Err(Error::UnknownSchema(from.clone()));
        }
        if schema_exists(&mut tx, to).await? {
            return Err(Error::SchemaExists(to.clone()));
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "ALTER SCHEMA {from} RENAME TO {to}"
        )))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops a tenant schema and everything in it.
    ///
    /// # Errors
    /// [`Error::UnknownSchema`]; database errors.
    pub async fn drop_schema(&self, schema: &SchemaName) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        if !schema_exists(&mut tx, schema).await? {
            return Err(Error::UnknownSchema(schema.clone()));
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every tenant schema (every schema whose name starts with the prefix), in name order.
    ///
    /// # Errors
    /// Database errors.
    pub async fn list_schemas(&self) -> Result<Vec<SchemaName>, Error> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT nspname::text FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY 1",
        )
        .bind(&self.prefix)
        .fetch_all(&self.pool)
        .await?;
        // Schemas created by hand may not follow the rules; they are not tenant schemas.
        Ok(names
            .iter()
            .filter_map(|n| SchemaName::new(n).ok())
            .collect())
    }

    /// Copies the structure of `from` (tables, sequences, indexes, constraints, foreign keys,
    /// views, functions, triggers) into a new schema `to`, and its rows when `options` asks for data.
    ///
    /// # Errors
    /// [`Error::UnknownSchema`] / [`Error::SchemaExists`]; database errors (nothing is created).
    pub async fn clone_schema(
        &self,
        from: &SchemaName,
        to: &SchemaName,
        options: CloneOptions,
    ) -> Result<(), Error> {
        clone::clone_schema(&self.pool, from, to, options).await
    }
}

async fn schema_exists(conn: &mut PgConnection, schema: &SchemaName) -> Result<bool, Error> {
    Ok(sqlx::query_scalar("SELECT to_regnamespace($1) IS NOT NULL")
        .bind(schema.as_str())
        .fetch_one(conn)
        .await?)
}

/// A transaction whose unqualified names resolve in one tenant's schema.
///
/// Dereferences to the connection: run statements with `&mut *tx`. Dropping it without
/// [`commit`](Self::commit) rolls back.
#[derive(Debug)]
pub struct SchemaTransaction {
    inner: Transaction<'static, Postgres>,
    schema: SchemaName,
}

impl SchemaTransaction {
    /// The tenant schema this transaction searches first.
    #[must_use]
    pub fn schema(&self) -> &SchemaName {
        &self.schema
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
}

impl Deref for SchemaTransaction {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.inner
    }
}

impl DerefMut for SchemaTransaction {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.inner
    }
}
