//! What the resolver reads from the process environment, as a plain value so it can be tested.

use std::path::PathBuf;

/// The server used when nothing else is configured.
pub const LOCAL_URL: &str = "postgres://postgres@127.0.0.1:5432";

/// The default Docker engine socket.
pub const DEFAULT_DOCKER_SOCKET: &str = "/var/run/docker.sock";

/// The inputs that decide where test databases live.
///
/// [`Environment::from_process`] reads them from environment variables; tests and unusual setups
/// build one by hand, so no code ever has to mutate the process environment.
///
/// | field | variable | meaning |
/// | --- | --- | --- |
/// | `database_url` | `DATABASE_URL` | a PostgreSQL server (any database on it) whose user may `CREATE DATABASE` |
/// | `citus_url` | `CITUS_URL` | a Citus coordinator, for [`Flavor::Citus`](crate::Flavor::Citus) |
/// | `docker_host` | `DOCKER_HOST` | the Docker engine; unset means `/var/run/docker.sock` |
/// | `docker_allowed` | `TENANCY_TEST_NO_DOCKER` | set to anything to never start containers |
/// | `local_url` | — | the last resort, [`LOCAL_URL`] |
///
/// Empty variables count as unset.
///
/// # Example
/// ```
/// use tenancy_testing::Environment;
///
/// let env = Environment::empty().with_database_url("postgres://app@db:5432/app");
/// assert_eq!(env.database_url.as_deref(), Some("postgres://app@db:5432/app"));
/// assert!(!env.docker_allowed);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Environment {
    /// `DATABASE_URL`.
    pub database_url: Option<String>,
    /// `CITUS_URL`.
    pub citus_url: Option<String>,
    /// `DOCKER_HOST`.
    pub docker_host: Option<String>,
    /// Whether containers may be started: the `docker` feature is on and `TENANCY_TEST_NO_DOCKER`
    /// is unset.
    pub docker_allowed: bool,
    /// The local server tried last.
    pub local_url: String,
}

impl Environment {
    /// Reads the variables listed on the type.
    ///
    /// # Example
    /// ```
    /// let env = tenancy_testing::Environment::from_process();
    /// assert_eq!(env.local_url, tenancy_testing::LOCAL_URL);
    /// ```
    #[must_use]
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            database_url: var("DATABASE_URL"),
            citus_url: var("CITUS_URL"),
            docker_host: var("DOCKER_HOST"),
            docker_allowed: cfg!(feature = "docker") && var("TENANCY_TEST_NO_DOCKER").is_none(),
            local_url: LOCAL_URL.to_owned(),
        }
    }

    /// Nothing configured and Docker not allowed: only the local server would be tried.
    ///
    /// # Example
    /// ```
    /// let env = tenancy_testing::Environment::empty();
    /// assert!(env.database_url.is_none() && !env.docker_allowed);
    /// ```
    #[must_use]
    pub fn empty() -> Self {
        Self {
            database_url: None,
            citus_url: None,
            docker_host: None,
            docker_allowed: false,
            local_url: LOCAL_URL.to_owned(),
        }
    }

    /// Sets `database_url`.
    ///
    /// # Example
    /// ```
    /// let env = tenancy_testing::Environment::empty().with_database_url("postgres://h/db");
    /// assert!(env.database_url.is_some());
    /// ```
    #[must_use]
    pub fn with_database_url(mut self, url: impl Into<String>) -> Self {
        self.database_url = Some(url.into());
        self
    }

    /// Sets `citus_url`.
    ///
    /// # Example
    /// ```
    /// let env = tenancy_testing::Environment::empty().with_citus_url("postgres://coordinator/db");
    /// assert!(env.citus_url.is_some());
    /// ```
    #[must_use]
    pub fn with_citus_url(mut self, url: impl Into<String>) -> Self {
        self.citus_url = Some(url.into());
        self
    }

    /// Allows containers, optionally on a given engine (`unix:///path` or `tcp://host:port`).
    ///
    /// # Example
    /// ```
    /// let env = tenancy_testing::Environment::empty().with_docker(Some("tcp://127.0.0.1:2375"));
    /// assert!(env.docker_allowed);
    /// ```
    #[must_use]
    pub fn with_docker(mut self, docker_host: Option<&str>) -> Self {
        self.docker_allowed = true;
        self.docker_host = docker_host.map(str::to_owned);
        self
    }

    /// Sets the local server tried last.
    ///
    /// # Example
    /// ```
    /// let env = tenancy_testing::Environment::empty().with_local_url("postgres://me@127.0.0.1:5433");
    /// assert!(env.local_url.ends_with("5433"));
    /// ```
    #[must_use]
    pub fn with_local_url(mut self, url: impl Into<String>) -> Self {
        self.local_url = url.into();
        self
    }

    /// The Docker engine endpoint these inputs name.
    ///
    /// # Example
    /// ```
    /// use tenancy_testing::{DockerEndpoint, Environment};
    ///
    /// let env = Environment::empty().with_docker(Some("tcp://127.0.0.1:2375"));
    /// assert_eq!(env.docker_endpoint(), DockerEndpoint::Tcp("127.0.0.1:2375".into()));
    /// ```
    #[must_use]
    pub fn docker_endpoint(&self) -> DockerEndpoint {
        DockerEndpoint::parse(self.docker_host.as_deref())
    }
}

/// Where a Docker engine listens.
///
/// # Example
/// ```
/// use tenancy_testing::DockerEndpoint;
///
/// assert_eq!(DockerEndpoint::parse(None), DockerEndpoint::Unix("/var/run/docker.sock".into()));
/// assert!(matches!(DockerEndpoint::parse(Some("ssh://me@host")), DockerEndpoint::Unsupported(_)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DockerEndpoint {
    /// A Unix socket.
    Unix(PathBuf),
    /// `host:port` over plain TCP (no TLS).
    Tcp(String),
    /// A scheme this crate cannot ping (`ssh://`, `npipe://`, TLS engines); never used.
    Unsupported(String),
}

impl DockerEndpoint {
    /// Parses a `DOCKER_HOST` value; `None` means the default socket.
    #[must_use]
    pub fn parse(docker_host: Option<&str>) -> Self {
        let Some(host) = docker_host else {
            return Self::Unix(PathBuf::from(DEFAULT_DOCKER_SOCKET));
        };
        if let Some(path) = host.strip_prefix("unix://") {
            Self::Unix(PathBuf::from(path))
        } else if let Some(addr) = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
        {
            Self::Tcp(addr.trim_end_matches('/').to_owned())
        } else {
            Self::Unsupported(host.to_owned())
        }
    }
}

impl std::fmt::Display for DockerEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unix(path) => write!(f, "unix://{}", path.display()),
            Self::Tcp(addr) => write!(f, "tcp://{addr}"),
            Self::Unsupported(raw) => f.write_str(raw),
        }
    }
}
