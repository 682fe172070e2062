//! The tenant-scoped pool: every statement rewritten for the tenant in scope.

mod executor;

use std::str::FromStr;
use std::sync::Arc;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tenancy_core::{Catalog, Rewriter, ScopeState, context};

use crate::error::Error;
use crate::search_path;
use crate::transaction::{TenantTransaction, TransactionScope};

/// A `PgPool` through which every statement is scoped to the current tenant.
///
/// Use `&TenantPool` wherever sqlx takes an executor: `query`, `query_as`, `query_scalar`, the
/// `query!` family and raw strings are all rewritten by [`tenancy_core::Rewriter`] and get the
/// tenant bound as their last parameter. What a statement does depends on the scope it runs in:
///
/// - inside [`tenancy_core::scope`]: rewritten for that tenant;
/// - inside [`tenancy_core::unscoped`] (the one audited door out, for admin and migration work):
///   sent as written — no rewrite, no tenant parameter, no row-level-security setting; a nested
///   `scope` inside it is rewritten again;
/// - anywhere else: nothing is sent, the call fails with [`tenancy_core::Error::NoTenant`]
///   (inside `sqlx::Error::Configuration`; see [`Error::from_sqlx`]).
///
/// A tenant value the statement writes itself and that names another tenant fails with
/// [`tenancy_core::Error::TenantMismatch`], whether the rewriter or PostgreSQL catches it.
///
/// The rewriter resolves unqualified table names in `public`; connections must too (see
/// [`SEARCH_PATH`](crate::SEARCH_PATH)). [`connect`](Self::connect) and
/// [`connect_with`](Self::connect_with) build pools that do; for a pool you built, run
/// [`check`](Self::check) once at startup.
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
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let catalog = Catalog::builder().tenant_table("tasks").build()?;
/// let db = TenantPool::connect("postgres://app@127.0.0.1/app", catalog).await?;
/// let titles: Vec<String> = context::scope(TenantId::Int(7), async {
///     // Sent as: SELECT title FROM tasks WHERE (done = $1) AND tasks.tenant_id = $2
///     sqlx::query_scalar("SELECT title FROM tasks WHERE done = $1")
///         .bind(false)
///         .fetch_all(&db)
///         .await
/// })
/// .await?;
/// // Admin work crosses tenants only through core's audited door.
/// let all: i64 = tenancy_sqlx::core::unscoped("nightly usage report", async {
///     sqlx::query_scalar("SELECT count(*) FROM tasks").fetch_one(&db).await
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
    /// Connects to `url` with sqlx's default pool options and scopes the pool with a rewriter
    /// over `catalog`; every connection resolves names as the rewriter does.
    ///
    /// # Errors
    /// An invalid URL, connection failures, and [`Error::SearchPath`] if the server overrides the
    /// startup `search_path` (see [`check`](Self::check)).
    ///
    /// # Example
    /// ```no_run
    /// use tenancy_sqlx::{core::Catalog, TenantPool};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let catalog = Catalog::builder().tenant_table("tasks").build()?;
    /// let db = TenantPool::connect("postgres://app@127.0.0.1/app", catalog).await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str, catalog: Catalog) -> Result<Self, Error> {
        let options = PgConnectOptions::from_str(url)?;
        Self::connect_with(PgPoolOptions::new(), options, catalog).await
    }

    /// Builds a pool from `pool` and `connect` options whose every connection has
    /// [`SEARCH_PATH`](crate::SEARCH_PATH) as its startup `search_path`, checks it, and scopes it
    /// with a rewriter over `catalog`.
    ///
    /// # Errors
    /// Connection failures, and [`Error::SearchPath`] if the connection does not end up with
    /// that `search_path` (an `after_connect` hook or a proxy overriding it).
    ///
    /// # Example
    /// ```no_run
    /// use std::str::FromStr;
    /// use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    /// use tenancy_sqlx::{core::Catalog, TenantPool};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let catalog = Catalog::builder().tenant_table("tasks").build()?;
    /// let db = TenantPool::connect_with(
    ///     PgPoolOptions::new().max_connections(32),
    ///     PgConnectOptions::from_str("postgres://app@127.0.0.1/app")?,
    ///     catalog,
    /// )
    /// .await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect_with(
        pool: PgPoolOptions,
        connect: PgConnectOptions,
        catalog: Catalog,
    ) -> Result<Self, Error> {
        let pool = pool
            .connect_with(search_path::startup_option(connect))
            .await?;
        let scoped = Self::new(pool, catalog);
        scoped.check().await?;
        Ok(scoped)
    }

    /// Scopes `pool` with a rewriter over `catalog`; row-level security off.
    ///
    /// The pool's connections must resolve names as the rewriter does: build it with
    /// [`SEARCH_PATH`](crate::SEARCH_PATH) as a startup option, or use
    /// [`connect_with`](Self::connect_with), and run [`check`](Self::check) at startup.
    ///
    /// # Example
    /// ```no_run
    /// use tenancy_sqlx::{core::Catalog, TenantPool};
    ///
    /// # async fn run(pool: sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
    /// let db = TenantPool::new(pool, Catalog::builder().tenant_table("tasks").build()?);
    /// db.check().await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn new(pool: PgPool, catalog: Catalog) -> Self {
        Self::with_rewriter(pool, Arc::new(Rewriter::new(catalog)))
    }

    /// Scopes `pool` with a shared rewriter (and its cache).
    ///
    /// # Example
    /// ```no_run
    /// use std::sync::Arc;
    /// use tenancy_sqlx::{core::{Catalog, Rewriter}, TenantPool};
    ///
    /// # fn run(pool: sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
    /// let rewriter = Arc::new(Rewriter::new(Catalog::builder().tenant_table("tasks").build()?));
    /// let db = TenantPool::with_rewriter(pool, Arc::clone(&rewriter));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn with_rewriter(pool: PgPool, rewriter: Arc<Rewriter>) -> Self {
        Self {
            pool,
            rewriter,
            row_level_security: false,
        }
    }

    /// Turns the row-level-security wall on or off: when on, every tenant transaction first runs
    /// `set_config('tenancy.tenant_id', <tenant>, true)` for the policies of [`crate::rls`] (and
    /// pins `search_path` to [`SEARCH_PATH`](crate::SEARCH_PATH) in the same statement).
    ///
    /// # Example
    /// ```no_run
    /// # fn run(db: tenancy_sqlx::TenantPool) {
    /// let db = db.with_row_level_security(true);
    /// assert!(db.row_level_security());
    /// # }
    /// ```
    #[must_use]
    pub fn with_row_level_security(mut self, on: bool) -> Self {
        self.row_level_security = on;
        self
    }

    /// Whether statements set `tenancy.tenant_id` for row-level security.
    ///
    /// # Example
    /// ```no_run
    /// # fn run(db: tenancy_sqlx::TenantPool) {
    /// assert!(!db.row_level_security());
    /// # }
    /// ```
    #[must_use]
    pub fn row_level_security(&self) -> bool {
        self.row_level_security
    }

    /// The rewriter every statement goes through.
    ///
    /// # Example
    /// ```no_run
    /// # fn run(db: tenancy_sqlx::TenantPool) -> Result<(), tenancy_sqlx::core::Error> {
    /// let rewritten = db.rewriter().rewrite("SELECT title FROM tasks")?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn rewriter(&self) -> &Arc<Rewriter> {
        &self.rewriter
    }

    /// Checks that the pool's connections resolve unqualified names as the rewriter does: in
    /// `public`, with temporary tables after it (`search_path` = [`SEARCH_PATH`](crate::SEARCH_PATH)).
    ///
    /// Run it once at startup for a pool you built yourself; [`connect`](Self::connect) and
    /// [`connect_with`](Self::connect_with) run it for you. It reads one connection's setting, so
    /// it vouches for pools whose connections are all configured alike (startup options, or
    /// `ALTER ROLE … SET search_path`).
    ///
    /// # Errors
    /// [`Error::SearchPath`] with the setting found; database errors.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(db: tenancy_sqlx::TenantPool) -> Result<(), tenancy_sqlx::Error> {
    /// db.check().await?;
    /// # Ok(()) }
    /// ```
    pub async fn check(&self) -> Result<(), Error> {
        search_path::check(&self.pool).await
    }

    /// Begins a transaction for the scope the caller runs in: fixed to the tenant in scope, or,
    /// inside [`tenancy_core::unscoped`], running statements as written.
    ///
    /// # Errors
    /// [`tenancy_core::Error::NoTenant`] outside any scope; database errors.
    ///
    /// # Example
    /// ```no_run
    /// use tenancy_sqlx::{core::{context, TenantId}, TenantPool};
    ///
    /// # async fn run(db: TenantPool) -> Result<(), tenancy_sqlx::Error> {
    /// context::scope(TenantId::Int(7), async {
    ///     let mut tx = db.begin().await?;
    ///     sqlx::query("UPDATE tasks SET done = true").execute(&mut tx).await?;
    ///     tx.commit().await
    /// })
    /// .await
    /// # }
    /// ```
    pub async fn begin(&self) -> Result<TenantTransaction, Error> {
        let scope = match context::scope_state() {
            ScopeState::Tenant(tenant) => TransactionScope::Tenant(tenant),
            ScopeState::Unscoped { .. } => TransactionScope::Unscoped,
            ScopeState::None => return Err(tenancy_core::Error::NoTenant.into()),
        };
        TenantTransaction::begin(
            &self.pool,
            Arc::clone(&self.rewriter),
            scope,
            self.row_level_security,
        )
        .await
    }
}
