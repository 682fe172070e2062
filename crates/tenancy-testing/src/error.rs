//! The error type of `tenancy-testing`.

/// Everything that can go wrong while providing a test database.
///
/// Every message says what to do next. The enum is `#[non_exhaustive]`.
///
/// # Example
/// ```
/// use tenancy_testing::Error;
///
/// let err = Error::NoServer { tried: "DATABASE_URL unset".into() };
/// assert!(err.to_string().contains("set DATABASE_URL"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No PostgreSQL server could be found for a plain test database.
    #[error(
        "no PostgreSQL server for tests ({tried}). Provide one of: \
         (1) set DATABASE_URL=postgres://USER[:PASSWORD]@HOST:PORT to a server where USER may CREATE DATABASE; \
         (2) start a Docker engine (or set DOCKER_HOST) so a `postgres` container can be started \
         (needs the `docker` feature of tenancy-testing, on by default); \
         (3) run PostgreSQL locally so that postgres://postgres@127.0.0.1:5432 accepts connections \
         (e.g. `pg_ctlcluster 16 main start`, `brew services start postgresql`)"
    )]
    NoServer {
        /// What was tried, in order.
        tried: String,
    },

    /// No Citus cluster could be found for a Citus test database.
    #[error(
        "no Citus cluster for tests ({tried}). Provide one of: \
         (1) set CITUS_URL=postgres://USER@HOST:PORT to a Citus coordinator where USER may CREATE DATABASE; \
         (2) start a Docker engine (or set DOCKER_HOST) so a `citusdata/citus` container can be started \
         (needs the `docker` feature of tenancy-testing, on by default). \
         Tests that need Citus usually skip themselves on this error"
    )]
    NoCitus {
        /// What was tried, in order.
        tried: String,
    },

    /// A server URL could not be used.
    #[error("invalid database URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL, with any password hidden.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// Connecting to a server failed.
    #[error("cannot connect to {url}: {source}; check that the server runs and accepts this user")]
    Connect {
        /// The URL, with any password hidden.
        url: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// A statement the crate runs for you failed.
    #[error("{action} failed: {source}")]
    Sql {
        /// What the crate was doing, e.g. `CREATE DATABASE tenancy_test_...`.
        action: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// A seed script failed for one tenant (or the schema script, when `tenant` is `None`).
    #[error(
        "seeding {} failed: {source}; check the seed SQL against the schema",
        tenant.as_deref().map_or_else(|| "the schema".to_owned(), |t| format!("tenant {t}"))
    )]
    Seed {
        /// The tenant whose rows were being written, or `None` for the schema script.
        tenant: Option<String>,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// A container could not be started.
    #[error(
        "cannot start the {image} container: {reason}; check `docker info` and that the image can be pulled"
    )]
    Container {
        /// The image, `name:tag`.
        image: String,
        /// The engine's or the library's message.
        reason: String,
    },
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
