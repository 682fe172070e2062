//! Test servers in containers: one long-lived, reused container per flavor and machine.
//!
//! Containers are started with a fixed name and reuse on, so a test run never leaves more than one
//! container per flavor behind and the next run starts in milliseconds. Remove them with
//! `docker rm -f tenancy-testing-postgres-16 tenancy-testing-citus-13.0`.

use std::time::{Duration, Instant};

use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt, ReuseDirective};

use crate::error::{Error, Result};
use crate::probe::SystemProbe;
use crate::resolve::{Flavor, Probe};

/// The PostgreSQL image, `(name, tag)`.
pub const POSTGRES_IMAGE: (&str, &str) = ("postgres", "16");

/// The Citus image, `(name, tag)`.
pub const CITUS_IMAGE: (&str, &str) = ("citusdata/citus", "13.0");

/// How long a freshly started server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// Started servers by flavor, so each process asks the engine once per flavor.
static SERVERS: tokio::sync::Mutex<[Option<String>; 2]> =
    tokio::sync::Mutex::const_new([None, None]);

/// The URL of the container server for `flavor`, starting (or reusing) the container if needed.
pub(crate) async fn server_url(flavor: Flavor) -> Result<String> {
    let mut servers = SERVERS.lock().await;
    let slot = &mut servers[usize::from(flavor == Flavor::Citus)];
    if let Some(url) = slot {
        return Ok(url.clone());
    }
    let url = start(flavor).await?;
    *slot = Some(url.clone());
    Ok(url)
}

async fn start(flavor: Flavor) -> Result<String> {
    let (name, tag) = match flavor {
        Flavor::Postgres => POSTGRES_IMAGE,
        Flavor::Citus => CITUS_IMAGE,
    };
    let image = format!("{name}:{tag}");
    let failed = |reason: String| Error::Container {
        image: image.clone(),
        reason,
    };
    let request = || {
        let short = name.rsplit('/').next().unwrap_or(name);
        GenericImage::new(name, tag)
            .with_exposed_port(5432.tcp())
            .with_wait_for(WaitFor::message_on_either_std(
                "database system is ready to accept connections",
            ))
            .with_env_var("POSTGRES_HOST_AUTH_METHOD", "trust")
            .with_container_name(format!("tenancy-testing-{short}-{tag}"))
            .with_reuse(ReuseDirective::Always)
            .with_startup_timeout(READY_TIMEOUT)
    };
    // Another test process may create the same named container at the same moment; the second
    // attempt then finds and reuses it.
    let container = match request().start().await {
        Ok(container) => container,
        Err(_) => {
            tokio::time::sleep(Duration::from_secs(1)).await;
            request().start().await.map_err(|e| failed(e.to_string()))?
        }
    };
    let host = container
        .get_host()
        .await
        .map_err(|e| failed(e.to_string()))?;
    let port = container
        .get_host_port_ipv4(5432)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let url = format!("postgres://postgres@{host}:{port}");

    // The image's init phase runs a socket-only server first; wait for the real one on TCP.
    let deadline = Instant::now() + READY_TIMEOUT;
    while !SystemProbe.postgres_answers(&url).await {
        if Instant::now() > deadline {
            return Err(failed(format!(
                "{url} did not accept connections within {READY_TIMEOUT:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(url)
}
