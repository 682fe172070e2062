//! Real reachability checks, bounded by short timeouts so a missing service never hangs a test.

use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;

use crate::environment::DockerEndpoint;
use crate::resolve::Probe;

/// How long one Docker `/_ping` may take, connect and answer together.
const DOCKER_PING_TIMEOUT: Duration = Duration::from_millis(1500);

/// How long a PostgreSQL connection attempt may take.
const POSTGRES_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Probes the real network and sockets.
pub(crate) struct SystemProbe;

impl Probe for SystemProbe {
    async fn docker_answers(&self, endpoint: &DockerEndpoint) -> bool {
        timeout(DOCKER_PING_TIMEOUT, ping_docker(endpoint))
            .await
            .unwrap_or(false)
    }

    async fn postgres_answers(&self, url: &str) -> bool {
        match timeout(POSTGRES_CONNECT_TIMEOUT, PgConnection::connect(url)).await {
            Ok(Ok(conn)) => {
                // A failed goodbye does not make the server unreachable.
                let _ = conn.close().await;
                true
            }
            _ => false,
        }
    }
}

async fn ping_docker(endpoint: &DockerEndpoint) -> bool {
    match endpoint {
        #[cfg(unix)]
        DockerEndpoint::Unix(path) => match tokio::net::UnixStream::connect(path).await {
            Ok(stream) => ping_over(stream).await,
            Err(_) => false,
        },
        DockerEndpoint::Tcp(addr) => match tokio::net::TcpStream::connect(addr.as_str()).await {
            Ok(stream) => ping_over(stream).await,
            Err(_) => false,
        },
        _ => false,
    }
}

/// Sends the engine's health request; a Docker engine answers `200 OK` with body `OK`.
async fn ping_over<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) -> bool {
    let request = b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
    if stream.write_all(request).await.is_err() {
        return false;
    }
    let mut answer = Vec::with_capacity(256);
    let mut chunk = [0_u8; 256];
    while answer.len() < 4096 {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    answer.starts_with("HTTP/1.") && answer.lines().next().is_some_and(|l| l.contains(" 200"))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn block_on<F: std::future::Future>(fut: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime builds")
            .block_on(fut)
    }

    #[test]
    fn absent_docker_socket_answers_false_at_once() {
        let started = Instant::now();
        let endpoint = DockerEndpoint::Unix("/nonexistent/tenancy/docker.sock".into());
        assert!(!block_on(SystemProbe.docker_answers(&endpoint)));
        assert!(started.elapsed() < Duration::from_millis(500));
    }

    #[test]
    fn a_silent_listener_is_not_docker_and_cannot_hang_the_probe() -> std::io::Result<()> {
        block_on(async {
            // Accepts connections and never answers, like a wedged engine or a wrong port.
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let hold = tokio::spawn(async move {
                let mut held = Vec::new();
                while let Ok((conn, _)) = listener.accept().await {
                    held.push(conn);
                }
            });
            let started = Instant::now();
            let answered = SystemProbe
                .docker_answers(&DockerEndpoint::Tcp(addr.to_string()))
                .await;
            assert!(!answered);
            assert!(started.elapsed() < DOCKER_PING_TIMEOUT + Duration::from_millis(500));
            hold.abort();
            Ok(())
        })
    }

    #[test]
    fn a_listener_answering_like_docker_is_accepted() -> std::io::Result<()> {
        block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let server = tokio::spawn(async move {
                if let Ok((mut conn, _)) = listener.accept().await {
                    let mut buf = [0_u8; 256];
                    let _ = conn.read(&mut buf).await;
                    let _ = conn
                        .write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK")
                        .await;
                }
            });
            assert!(
                SystemProbe
                    .docker_answers(&DockerEndpoint::Tcp(addr.to_string()))
                    .await
            );
            server.abort();
            Ok(())
        })
    }

    #[test]
    fn closed_postgres_port_answers_false() {
        assert!(!block_on(
            SystemProbe.postgres_answers("postgres://postgres@127.0.0.1:1")
        ));
    }
}
