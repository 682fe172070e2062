//! The placement map: where each tenant lives now, and a pool that routes by it.
//!
//! `tenancy_migration.placement` in the target holds `(tenant, home, version)`. [`Placement`]
//! caches lookups for a short time; [`PlacedPool::begin`] opens a transaction in the tenant's
//! current home and re-checks it there, so a stale cache entry never writes to the wrong home:
//!
//! - shared home: the transaction reads the placement row `FOR SHARE`; a rollback to the schema
//!   takes it `FOR UPDATE`, so it waits for such transactions and they see the new home.
//! - schema home: the transaction reads the source's fence; writes after a cutover are refused by
//!   the capture trigger with SQLSTATE `TN001` ([`is_tenant_moved`]).
//!
//! Either way the loser of the race gets [`Error::TenantMoving`] (or a `TN001` database error):
//! retry the transaction and it goes to the new home.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::{PgConnection, PgPool};
use tenancy_core::{TenantId, context};

use crate::error::Error;
use crate::pool::TenantPool;
use crate::schema_mode::{SchemaTenancy, SchemaTransaction};
use crate::transaction::TenantTransaction;

/// Where a tenant's rows live.
///
/// # Example
/// ```
/// use tenancy_sqlx::migration::Home;
/// assert_eq!("shared".parse::<Home>()?, Home::Shared);
/// assert_eq!(Home::Schema.to_string(), "schema");
/// # Ok::<(), tenancy_sqlx::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Home {
    /// The tenant's own schema in the source database.
    Schema,
    /// The shared tables of the target database.
    Shared,
}

impl Home {
    fn as_str(self) -> &'static str {
        match self {
            Self::Schema => "schema",
            Self::Shared => "shared",
        }
    }
}

impl fmt::Display for Home {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Home {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "schema" => Ok(Self::Schema),
            "shared" => Ok(Self::Shared),
            other => Err(Error::MigrationState {
                operation: "read the placement".into(),
                reason: format!("unknown home {other:?}; expected `schema` or `shared`"),
            }),
        }
    }
}

/// Cached lookups in the placement map.
///
/// Cloning shares the cache. Entries live for `ttl` (default 1 s); tenants without a row live in
/// `default_home` (default [`Home::Schema`]: during a migration, unplaced tenants are still in
/// their schemas).
///
/// # Example
/// ```no_run
/// use tenancy_sqlx::migration::{Home, Placement};
/// use tenancy_sqlx::core::TenantId;
///
/// # async fn run(target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// let placement = Placement::new(target);
/// if placement.home(&TenantId::Int(7)).await? == Home::Shared {
///     println!("tenant 7 is served from the shared tables");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Placement {
    pool: PgPool,
    ttl: Duration,
    default_home: Home,
    cache: Arc<Mutex<HashMap<TenantId, (Home, Instant)>>>,
}

impl Placement {
    /// A placement map read from `target` (which holds `tenancy_migration.placement`).
    #[must_use]
    pub fn new(target: PgPool) -> Self {
        Self {
            pool: target,
            ttl: Duration::from_secs(1),
            default_home: Home::Schema,
            cache: Arc::default(),
        }
    }

    /// How long a looked-up home is trusted.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The home of tenants without a placement row.
    #[must_use]
    pub fn with_default_home(mut self, home: Home) -> Self {
        self.default_home = home;
        self
    }

    /// The tenant's home (cached).
    ///
    /// # Errors
    /// Database errors.
    pub async fn home(&self, tenant: &TenantId) -> Result<Home, Error> {
        let now = Instant::now();
        if let Some((home, at)) = self.lock().get(tenant).copied()
            && now.duration_since(at) < self.ttl
        {
            return Ok(home);
        }
        let home = self.lookup(tenant).await?;
        self.lock().insert(tenant.clone(), (home, now));
        Ok(home)
    }

    /// Forgets the cached home of `tenant` (after a `TN001` error, for instance).
    pub fn invalidate(&self, tenant: &TenantId) {
        self.lock().remove(tenant);
    }

    async fn lookup(&self, tenant: &TenantId) -> Result<Home, Error> {
        let home: Option<String> =
            sqlx::query_scalar("SELECT home FROM tenancy_migration.placement WHERE tenant = $1")
                .bind(tenant.to_string())
                .fetch_optional(&self.pool)
                .await?;
        home.map_or(Ok(self.default_home), |h| h.parse())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, (Home, Instant)>> {
        // The map holds plain values; a panic elsewhere cannot leave it half-updated.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Registers tenants as living in their schemas (existing rows are kept).
pub(crate) async fn register_tenants<'a>(
    target: &PgPool,
    tenants: impl Iterator<Item = &'a TenantId>,
) -> Result<(), Error> {
    let tenants: Vec<String> = tenants.map(ToString::to_string).collect();
    sqlx::query(
        "INSERT INTO tenancy_migration.placement (tenant, home)
         SELECT unnest($1::text[]), 'schema' ON CONFLICT (tenant) DO NOTHING",
    )
    .bind(&tenants)
    .execute(target)
    .await?;
    Ok(())
}

/// Locks the tenant's placement row (`FOR UPDATE`) and returns its home.
pub(crate) async fn lock_home(conn: &mut PgConnection, tenant: &TenantId) -> Result<Home, Error> {
    let home: Option<String> = sqlx::query_scalar(
        "SELECT home FROM tenancy_migration.placement WHERE tenant = $1 FOR UPDATE",
    )
    .bind(tenant.to_string())
    .fetch_optional(conn)
    .await?;
    home.map_or(Ok(Home::Schema), |h| h.parse())
}

/// Sets the tenant's home and bumps its version; returns the new version.
pub(crate) async fn set_home(
    conn: &mut PgConnection,
    tenant: &TenantId,
    home: Home,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(
        "INSERT INTO tenancy_migration.placement (tenant, home) VALUES ($1, $2)
         ON CONFLICT (tenant) DO UPDATE SET home = EXCLUDED.home,
           version = tenancy_migration.placement.version + 1, changed_at = clock_timestamp()
         RETURNING version",
    )
    .bind(tenant.to_string())
    .bind(home.as_str())
    .fetch_one(conn)
    .await?)
}

/// Whether a database error is the capture trigger refusing a write to a moved tenant's schema
/// (SQLSTATE `TN001`): invalidate the placement and retry.
///
/// # Example
/// ```
/// let err = sqlx::Error::RowNotFound;
/// assert!(!tenancy_sqlx::migration::is_tenant_moved(&err));
/// ```
#[must_use]
pub fn is_tenant_moved(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => db.code().as_deref() == Some("TN001"),
        sqlx::Error::Configuration(inner) => {
            matches!(
                inner.downcast_ref::<Error>(),
                Some(Error::TenantMoving { .. })
            )
        }
        _ => false,
    }
}

/// A pool that serves each tenant from its current home: its schema (through
/// [`SchemaTenancy`]) or the shared tables (through [`TenantPool`]).
///
/// Both databases need the migration's bookkeeping (`tenancy_migration`, created by
/// [`install_source`](crate::migration::install_source) /
/// [`install_target`](crate::migration::install_target) or the first `tenancy migrate` run):
/// schema-home transactions read the source's fence, shared-home ones the placement row.
///
/// # Example
/// ```no_run
/// use tenancy_sqlx::migration::{PlacedPool, PlacedTransaction, Placement};
/// use tenancy_sqlx::schema_mode::SchemaTenancy;
/// use tenancy_sqlx::{core::{context, Catalog, TenantId}, TenantPool};
///
/// # async fn run(source: sqlx::PgPool, target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// let catalog = Catalog::builder().tenant_table("tasks").build()?;
/// let placed = PlacedPool::new(
///     Placement::new(target.clone()),
///     SchemaTenancy::new(source),
///     TenantPool::new(target, catalog),
/// );
/// context::scope(TenantId::Int(7), async {
///     let n: i64 = match placed.begin().await? {
///         PlacedTransaction::Schema(mut tx) => {
///             sqlx::query_scalar("SELECT count(*) FROM tasks").fetch_one(&mut *tx).await?
///         }
///         PlacedTransaction::Shared(mut tx) => {
///             sqlx::query_scalar("SELECT count(*) FROM tasks").fetch_one(&mut tx).await?
///         }
///     };
///     println!("{n} tasks");
///     Ok(())
/// })
/// .await
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct PlacedPool {
    placement: Placement,
    schema: SchemaTenancy,
    shared: TenantPool,
}

/// A transaction in the tenant's current home.
#[derive(Debug)]
pub enum PlacedTransaction {
    /// In the tenant's schema: run statements on `&mut *tx`.
    Schema(SchemaTransaction),
    /// In the shared tables, scoped: run statements on `&mut tx`.
    Shared(TenantTransaction),
}

impl PlacedTransaction {
    /// Where this transaction runs.
    #[must_use]
    pub fn home(&self) -> Home {
        match self {
            Self::Schema(_) => Home::Schema,
            Self::Shared(_) => Home::Shared,
        }
    }

    /// Commits.
    ///
    /// # Errors
    /// Database errors.
    pub async fn commit(self) -> Result<(), Error> {
        match self {
            Self::Schema(tx) => tx.commit().await,
            Self::Shared(tx) => tx.commit().await,
        }
    }

    /// Rolls back.
    ///
    /// # Errors
    /// Database errors.
    pub async fn rollback(self) -> Result<(), Error> {
        match self {
            Self::Schema(tx) => tx.rollback().await,
            Self::Shared(tx) => tx.rollback().await,
        }
    }
}

impl PlacedPool {
    /// Routes by `placement` between `schema` (source) and `shared` (target).
    #[must_use]
    pub fn new(placement: Placement, schema: SchemaTenancy, shared: TenantPool) -> Self {
        Self {
            placement,
            schema,
            shared,
        }
    }

    /// The placement map.
    #[must_use]
    pub fn placement(&self) -> &Placement {
        &self.placement
    }

    /// Begins a transaction for the tenant in scope in its current home.
    ///
    /// # Errors
    /// [`tenancy_core::Error::NoTenant`] outside a scope; [`Error::TenantMoving`] while the
    /// tenant is being cut over (retry); database errors.
    pub async fn begin(&self) -> Result<PlacedTransaction, Error> {
        let tenant = context::current()?;
        // Two attempts: the cached home may be stale once; the second lookup is fresh.
        for _ in 0..2 {
            match self.placement.home(&tenant).await? {
                Home::Shared => {
                    let mut tx = self.shared.begin().await?;
                    let home: Option<String> = sqlx::query_scalar(
                        "SELECT home FROM tenancy_migration.placement WHERE tenant = $1 FOR SHARE",
                    )
                    .bind(tenant.to_string())
                    .fetch_optional(tx.connection())
                    .await?;
                    let home = home.map_or(Ok(self.placement.default_home), |h| h.parse())?;
                    if home == Home::Shared {
                        return Ok(PlacedTransaction::Shared(tx));
                    }
                }
                Home::Schema => {
                    let mut tx = self.schema.begin().await?;
                    let fenced: Option<String> = sqlx::query_scalar(
                        "SELECT state FROM tenancy_migration.fence WHERE schema_name = $1",
                    )
                    .bind(tx.schema().to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
                    if fenced.is_none() {
                        return Ok(PlacedTransaction::Schema(tx));
                    }
                }
            }
            self.placement.invalidate(&tenant);
        }
        Err(Error::TenantMoving {
            tenant: tenant.to_string(),
        })
    }
}
