//! The error type of `tenancy-sqlx`.

/// Everything that can go wrong in `tenancy-sqlx`.
///
/// Statements run through sqlx's `Executor` trait must fail with `sqlx::Error`; there a tenancy
/// error travels as `sqlx::Error::Configuration` and [`Error::from_sqlx`] gets it back.
///
/// # Example
/// ```
/// use tenancy_sqlx::Error;
///
/// let err = Error::from(tenancy_sqlx::core::Error::NoTenant);
/// assert!(err.to_string().contains("no tenant in scope"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The tenant context or the rewriter refused the statement.
    #[error(transparent)]
    Scope(#[from] tenancy_core::Error),

    /// A schema name is not a safe tenant schema name.
    #[error("invalid tenant schema name {name:?}: {reason}")]
    InvalidSchemaName {
        /// The rejected name.
        name: String,
        /// The rule it breaks.
        reason: &'static str,
    },

    /// The tenant schema does not exist.
    #[error(
        "schema {0} does not exist: create it with SchemaTenancy::create_schema or `tenancy schemas create`"
    )]
    UnknownSchema(crate::schema_mode::SchemaName),

    /// The schema exists already.
    #[error("schema {0} exists already: pick another name or drop it first")]
    SchemaExists(crate::schema_mode::SchemaName),

    /// A migration failed in one tenant schema; that schema's failing migration was rolled back.
    #[error(
        "migrating schema {schema} failed: {source}; fix the migration and run again to resume"
    )]
    Migration {
        /// The schema.
        schema: crate::schema_mode::SchemaName,
        /// What sqlx reported.
        #[source]
        source: sqlx::migrate::MigrateError,
    },

    /// The pool's connections resolve unqualified table names differently from the rewriter, so
    /// a table in another schema or a temporary table could stand in for the one it checked.
    #[error(
        "the pool's connections use search_path = {found:?}, but the rewriter resolves unqualified \
         tables in public: build the pool with TenantPool::connect_with, or add the startup \
         option search_path=\"public, pg_temp\" (PgConnectOptions::options with \
         tenancy_sqlx::SEARCH_PATH), or run ALTER ROLE <app role> SET search_path = public, pg_temp"
    )]
    SearchPath {
        /// The `search_path` a connection reported.
        found: String,
    },

    /// The database or the driver failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),

    /// A Citus operation ran on a database without the `citus` extension, with
    /// `OnPlainPostgres::Error` chosen.
    #[error(
        "{operation} needs Citus, but this database has no `citus` extension: run \
         CREATE EXTENSION citus (on a Citus coordinator), or choose OnPlainPostgres::Warn to skip \
         Citus steps on plain PostgreSQL"
    )]
    CitusMissing {
        /// The operation, e.g. `create_distributed_table(public.tasks)`.
        operation: String,
    },

    /// The cluster's current state conflicts with the requested Citus operation.
    #[error("cannot {operation}: {reason}")]
    Citus {
        /// The operation, e.g. `create_reference_table(public.plans)`.
        operation: String,
        /// What is in the way and what to run instead.
        reason: String,
    },

    /// Distribution was refused because the readiness check found blockers.
    #[error(
        "the schema is not ready for Citus: {blockers} blocker(s) found; run `tenancy check` \
         (or tenancy_sqlx::citus::check_readiness) and apply the suggested fixes:\n{report}"
    )]
    NotReady {
        /// How many blockers.
        blockers: usize,
        /// The readiness report, rendered.
        report: String,
    },

    /// The schema-to-shared migration plan has blocking differences.
    #[error(
        "the migration cannot start: {blockers} blocker(s); fix them in the target (or the \
         tenant schemas) and plan again (`tenancy migrate schemas-to-shared --dry-run`):\n{report}"
    )]
    MigrationBlocked {
        /// How many blocking differences.
        blockers: usize,
        /// The plan, rendered.
        report: String,
    },

    /// A migration step found the source, the target or the placement in a state it cannot
    /// continue from.
    #[error("cannot {operation}: {reason}")]
    MigrationState {
        /// The step, e.g. `cut over tenant 7`.
        operation: String,
        /// What is in the way and what to do.
        reason: String,
    },

    /// Source and target disagree for a tenant (row counts or checksums).
    #[error(
        "tenant {tenant} differs between the tenant schema and the shared tables; nothing was \
         switched: {report}"
    )]
    VerifyFailed {
        /// The tenant.
        tenant: String,
        /// The differing tables, rendered.
        report: String,
    },

    /// The tenant is being moved between its schema and the shared tables right now.
    #[error("tenant {tenant} is being moved between schema and shared tables; retry in a moment")]
    TenantMoving {
        /// The tenant.
        tenant: String,
    },
}

impl Error {
    /// Recovers a tenancy error from the `sqlx::Error` an `Executor` call returned, if it is one.
    ///
    /// # Example
    /// ```
    /// use tenancy_sqlx::Error;
    ///
    /// let sqlx_err: sqlx::Error = Error::from(tenancy_sqlx::core::Error::NoTenant).into();
    /// assert!(matches!(
    ///     Error::from_sqlx(&sqlx_err),
    ///     Some(Error::Scope(tenancy_sqlx::core::Error::NoTenant))
    /// ));
    /// ```
    #[must_use]
    pub fn from_sqlx(error: &sqlx::Error) -> Option<&Self> {
        match error {
            sqlx::Error::Configuration(source) => source.downcast_ref::<Self>(),
            _ => None,
        }
    }
}

impl From<Error> for sqlx::Error {
    fn from(error: Error) -> Self {
        match error {
            Error::Database(inner) => inner,
            other => sqlx::Error::Configuration(Box::new(other)),
        }
    }
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
