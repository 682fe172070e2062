//! Seed data for N tenants: one schema script, then per-tenant scripts built by your closures.

use std::fmt;

use sqlx::postgres::PgPool;
use tenancy_core::TenantId;

use crate::error::{Error, Result};

type TenantScript = Box<dyn Fn(&TenantId, usize) -> String + Send + Sync>;

/// A schema plus rows for each of N tenants.
///
/// The schema script runs first (any number of `;`-separated statements, no bind parameters).
/// Then, for each tenant in order, every `per_tenant` closure is called with the tenant and its
/// 0-based index and its SQL runs in one transaction per tenant. Closures render values with
/// [`TenantId::to_sql_literal`], which quotes safely, and use the index to vary data between
/// tenants — give tenants colliding row ids and different contents, so that a query leaking across
/// tenants changes its result.
///
/// # Example
/// ```no_run
/// use tenancy_testing::{Seed, TestDatabase};
///
/// # async fn run() -> tenancy_testing::Result<()> {
/// let seed = Seed::new(
///     "CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);
///      CREATE TABLE tasks (tenant_id bigint REFERENCES accounts, id int, title text,
///                          PRIMARY KEY (tenant_id, id));",
/// )
/// .int_tenants(3)
/// .per_tenant(|t, _| format!("INSERT INTO accounts VALUES ({0}, 'account {0}')", t.to_sql_literal()))
/// .per_tenant(|t, i| {
///     // Ids 1..=3 in every tenant, titles that differ per tenant.
///     (1..=3)
///         .map(|id| format!("INSERT INTO tasks VALUES ({}, {id}, 'task {id} of tenant #{i}');", t.to_sql_literal()))
///         .collect()
/// });
/// let db = TestDatabase::create().await?;
/// db.seed(&seed).await?;
/// # Ok(()) }
/// ```
#[derive(Default)]
#[must_use]
pub struct Seed {
    schema: Option<String>,
    tenants: Vec<TenantId>,
    scripts: Vec<TenantScript>,
}

impl Seed {
    /// A seed that first runs `schema`.
    pub fn new(schema: impl Into<String>) -> Self {
        Self {
            schema: Some(schema.into()),
            ..Self::default()
        }
    }

    /// A seed without a schema script (the tables exist already).
    ///
    /// # Example
    /// ```
    /// let seed = tenancy_testing::Seed::rows_only().int_tenants(2);
    /// assert_eq!(seed.tenant_ids().len(), 2);
    /// ```
    pub fn rows_only() -> Self {
        Self::default()
    }

    /// Adds tenants.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::TenantId;
    ///
    /// let seed = tenancy_testing::Seed::rows_only().tenants(["acme", "globex"]);
    /// assert_eq!(seed.tenant_ids()[1], TenantId::from("globex"));
    /// ```
    pub fn tenants<T: Into<TenantId>>(mut self, tenants: impl IntoIterator<Item = T>) -> Self {
        self.tenants.extend(tenants.into_iter().map(Into::into));
        self
    }

    /// Adds the integer tenants `1..=n`.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::TenantId;
    ///
    /// let seed = tenancy_testing::Seed::rows_only().int_tenants(3);
    /// assert_eq!(seed.tenant_ids(), &[TenantId::Int(1), TenantId::Int(2), TenantId::Int(3)]);
    /// ```
    pub fn int_tenants(self, n: i64) -> Self {
        self.tenants(1..=n)
    }

    /// Adds a script run for every tenant: `script(tenant, index)` returns SQL.
    ///
    /// # Example
    /// ```
    /// let seed = tenancy_testing::Seed::rows_only()
    ///     .int_tenants(2)
    ///     .per_tenant(|t, i| format!("INSERT INTO notes VALUES ({}, 'note #{i}')", t.to_sql_literal()));
    /// assert_eq!(seed.render()[1].1, "INSERT INTO notes VALUES (2, 'note #1')");
    /// ```
    pub fn per_tenant(
        mut self,
        script: impl Fn(&TenantId, usize) -> String + Send + Sync + 'static,
    ) -> Self {
        self.scripts.push(Box::new(script));
        self
    }

    /// The tenants, in seeding order.
    #[must_use]
    pub fn tenant_ids(&self) -> &[TenantId] {
        &self.tenants
    }

    /// Each tenant with its full script, as [`apply`](Self::apply) runs them (for inspection).
    ///
    /// # Example
    /// ```
    /// let seed = tenancy_testing::Seed::rows_only().tenants(["o'hara"])
    ///     .per_tenant(|t, _| format!("SELECT {}", t.to_sql_literal()));
    /// assert_eq!(seed.render()[0].1, "SELECT 'o''hara'");
    /// ```
    #[must_use]
    pub fn render(&self) -> Vec<(TenantId, String)> {
        self.tenants
            .iter()
            .enumerate()
            .map(|(index, tenant)| {
                let sql: Vec<String> = self.scripts.iter().map(|s| s(tenant, index)).collect();
                (tenant.clone(), sql.join(";\n"))
            })
            .collect()
    }

    /// Runs the schema script, then each tenant's script in its own transaction.
    ///
    /// # Errors
    /// [`Error::Seed`] naming the schema or the tenant whose script failed.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(pool: sqlx::PgPool) -> tenancy_testing::Result<()> {
    /// tenancy_testing::Seed::new("CREATE TABLE t (tenant_id bigint)")
    ///     .int_tenants(2)
    ///     .per_tenant(|t, _| format!("INSERT INTO t VALUES ({})", t.to_sql_literal()))
    ///     .apply(&pool)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn apply(&self, pool: &PgPool) -> Result<()> {
        if let Some(schema) = &self.schema {
            sqlx::raw_sql(sqlx::AssertSqlSafe(schema.clone()))
                .execute(pool)
                .await
                .map_err(|source| Error::Seed {
                    tenant: None,
                    source,
                })?;
        }
        for (tenant, sql) in self.render() {
            let failed = |source| Error::Seed {
                tenant: Some(tenant.to_string()),
                source,
            };
            let mut tx = pool.begin().await.map_err(failed)?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
            tx.commit().await.map_err(failed)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Seed")
            .field("schema", &self.schema)
            .field("tenants", &self.tenants)
            .field("scripts", &self.scripts.len())
            .finish()
    }
}
