//! Choosing the server for test databases: `DATABASE_URL`, then Docker, then the local server.
//!
//! The decision is a function of an [`Environment`] and a [`Probe`] so every branch is tested
//! without touching the process environment or needing a Docker engine.

use crate::environment::{DockerEndpoint, Environment};
use crate::error::{Error, Result};
use crate::url::redact;

/// The kind of server a test needs.
///
/// # Example
/// ```
/// assert_eq!(tenancy_testing::Flavor::default(), tenancy_testing::Flavor::Postgres);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// Plain PostgreSQL.
    #[default]
    Postgres,
    /// A Citus coordinator (the `citus` extension is created in each test database).
    Citus,
}

/// Where the server for test databases comes from.
///
/// # Example
/// ```no_run
/// use tenancy_testing::{Environment, Flavor, Source};
///
/// # async fn run() -> tenancy_testing::Result<()> {
/// let source = Source::resolve(&Environment::from_process(), Flavor::Postgres).await?;
/// println!("test databases will live on {source}");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A server named by `DATABASE_URL` (or `CITUS_URL`).
    Url(String),
    /// A container started on this Docker engine.
    Docker(DockerEndpoint),
    /// The local server, which answered.
    Local(String),
}

impl Source {
    /// Resolves the source for `flavor`, probing Docker and the local server only as far as needed.
    ///
    /// A missing Docker engine costs at most about one second: the probe is a single `/_ping`
    /// with a short timeout, never a client that retries.
    ///
    /// # Errors
    /// [`Error::NoServer`] / [`Error::NoCitus`] naming everything tried and how to provide a server.
    pub async fn resolve(env: &Environment, flavor: Flavor) -> Result<Self> {
        resolve(env, flavor, &crate::probe::SystemProbe).await
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Url(url) | Self::Local(url) => f.write_str(&redact(url)),
            Self::Docker(endpoint) => write!(f, "a container on the Docker engine at {endpoint}"),
        }
    }
}

/// Answers whether services are reachable.
pub(crate) trait Probe {
    /// Whether a Docker engine answers `/_ping` at `endpoint`.
    async fn docker_answers(&self, endpoint: &DockerEndpoint) -> bool;
    /// Whether a PostgreSQL server accepts a connection at `url`.
    async fn postgres_answers(&self, url: &str) -> bool;
}

pub(crate) async fn resolve<P: Probe>(
    env: &Environment,
    flavor: Flavor,
    probe: &P,
) -> Result<Source> {
    let (configured, variable) = match flavor {
        Flavor::Postgres => (&env.database_url, "DATABASE_URL"),
        Flavor::Citus => (&env.citus_url, "CITUS_URL"),
    };
    if let Some(url) = configured {
        return Ok(Source::Url(url.clone()));
    }
    let mut tried = vec![format!("{variable} is not set")];

    if env.docker_allowed {
        let endpoint = env.docker_endpoint();
        if matches!(endpoint, DockerEndpoint::Unsupported(_)) {
            tried.push(format!(
                "DOCKER_HOST={endpoint} is not a unix:// or tcp:// engine"
            ));
        } else if probe.docker_answers(&endpoint).await {
            return Ok(Source::Docker(endpoint));
        } else {
            tried.push(format!("no Docker engine answered at {endpoint}"));
        }
    } else {
        tried.push(
            "containers are off (feature `docker` disabled or TENANCY_TEST_NO_DOCKER set)"
                .to_owned(),
        );
    }

    match flavor {
        Flavor::Postgres => {
            if probe.postgres_answers(&env.local_url).await {
                return Ok(Source::Local(env.local_url.clone()));
            }
            tried.push(format!("nothing answered at {}", redact(&env.local_url)));
            Err(Error::NoServer {
                tried: tried.join("; "),
            })
        }
        Flavor::Citus => Err(Error::NoCitus {
            tried: tried.join("; "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// Scripted answers, recording which probes ran (to prove the resolver stops early).
    struct Scripted {
        docker: bool,
        local: bool,
        asked: RefCell<Vec<String>>,
    }

    impl Scripted {
        fn new(docker: bool, local: bool) -> Self {
            Self {
                docker,
                local,
                asked: RefCell::new(Vec::new()),
            }
        }
        fn asked(&self) -> Vec<String> {
            self.asked.borrow().clone()
        }
    }

    impl Probe for Scripted {
        async fn docker_answers(&self, endpoint: &DockerEndpoint) -> bool {
            self.asked.borrow_mut().push(format!("docker {endpoint}"));
            self.docker
        }
        async fn postgres_answers(&self, url: &str) -> bool {
            self.asked.borrow_mut().push(format!("postgres {url}"));
            self.local
        }
    }

    fn block_on<F: std::future::Future>(fut: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime builds")
            .block_on(fut)
    }

    #[test]
    fn database_url_wins_without_probing() {
        let env = Environment::empty()
            .with_database_url("postgres://u@h/db")
            .with_docker(None);
        let probe = Scripted::new(true, true);
        let source = block_on(resolve(&env, Flavor::Postgres, &probe));
        assert_eq!(source.ok(), Some(Source::Url("postgres://u@h/db".into())));
        assert!(probe.asked().is_empty(), "probed: {:?}", probe.asked());
    }

    #[test]
    fn docker_comes_before_the_local_server() {
        let env = Environment::empty().with_docker(Some("tcp://127.0.0.1:2375"));
        let probe = Scripted::new(true, true);
        let source = block_on(resolve(&env, Flavor::Postgres, &probe));
        assert_eq!(
            source.ok(),
            Some(Source::Docker(DockerEndpoint::Tcp("127.0.0.1:2375".into())))
        );
        assert_eq!(probe.asked(), ["docker tcp://127.0.0.1:2375"]);
    }

    #[test]
    fn local_server_when_docker_is_silent_or_off() {
        for env in [Environment::empty().with_docker(None), Environment::empty()] {
            let probe = Scripted::new(false, true);
            let source = block_on(resolve(&env, Flavor::Postgres, &probe));
            assert_eq!(source.ok(), Some(Source::Local(env.local_url.clone())));
            let docker_probed = probe.asked().iter().any(|a| a.starts_with("docker"));
            assert_eq!(docker_probed, env.docker_allowed);
        }
    }

    #[test]
    fn nothing_found_explains_every_way_to_provide_a_server() {
        let env = Environment::empty()
            .with_docker(None)
            .with_local_url("postgres://u:secret@127.0.0.1:1");
        let probe = Scripted::new(false, false);
        let message = match block_on(resolve(&env, Flavor::Postgres, &probe)) {
            Err(err @ Error::NoServer { .. }) => err.to_string(),
            other => panic!("expected NoServer, got {other:?}"),
        };
        for needle in [
            "DATABASE_URL is not set",
            "no Docker engine answered at unix:///var/run/docker.sock",
            "nothing answered at postgres://u:***@127.0.0.1:1",
            "set DATABASE_URL",
            "start a Docker engine",
            "run PostgreSQL locally",
        ] {
            assert!(
                message.contains(needle),
                "{needle:?} missing from: {message}"
            );
        }
        assert!(!message.contains("secret"));
    }

    #[test]
    fn unsupported_docker_host_is_skipped_not_probed() {
        let env = Environment::empty().with_docker(Some("ssh://me@host"));
        let probe = Scripted::new(true, true);
        let source = block_on(resolve(&env, Flavor::Postgres, &probe));
        assert!(matches!(source, Ok(Source::Local(_))));
        assert_eq!(probe.asked(), [format!("postgres {}", env.local_url)]);
    }

    #[test]
    fn citus_uses_citus_url_or_docker_never_plain_servers() {
        let with_url = Environment::empty()
            .with_database_url("postgres://plain/db")
            .with_citus_url("postgres://coord/db");
        let source = block_on(resolve(
            &with_url,
            Flavor::Citus,
            &Scripted::new(false, true),
        ));
        assert_eq!(source.ok(), Some(Source::Url("postgres://coord/db".into())));

        let docker = Environment::empty().with_docker(None);
        let source = block_on(resolve(&docker, Flavor::Citus, &Scripted::new(true, true)));
        assert!(matches!(source, Ok(Source::Docker(_))));

        let probe = Scripted::new(false, true);
        let result = block_on(resolve(
            &docker.with_database_url("postgres://plain/db"),
            Flavor::Citus,
            &probe,
        ));
        match result {
            Err(err @ Error::NoCitus { .. }) => assert!(err.to_string().contains("set CITUS_URL")),
            other => panic!("expected NoCitus, got {other:?}"),
        }
        assert!(probe.asked().iter().all(|a| a.starts_with("docker")));
    }
}
