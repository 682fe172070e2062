//! The zero-configuration database: PostgreSQL on 127.0.0.1:5432 when it answers, else a private
//! cluster initialised from the installed PostgreSQL binaries in a folder this app owns.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, bail};
use sqlx::ConnectOptions as _;
use sqlx::postgres::PgConnectOptions;
use tokio::net::TcpStream;
use tokio::process::Command;

const DATABASE: &str = "saas_reference";
const LOCAL: &str = "127.0.0.1:5432";

/// Finds or starts a PostgreSQL server and returns a URL for the app's database on it (creating
/// the database when missing).
///
/// # Errors
/// When 127.0.0.1:5432 does not answer and no PostgreSQL binaries are installed, or the private
/// cluster fails to start; the message says what to install or set.
pub async fn database_url(data_dir: &Path) -> anyhow::Result<String> {
    let server = if answers(LOCAL).await {
        tracing::info!("using the PostgreSQL server on {LOCAL}");
        format!("postgres://postgres@{LOCAL}")
    } else {
        start_private_cluster(data_dir).await?
    };
    ensure_database(&server).await?;
    Ok(format!("{server}/{DATABASE}"))
}

async fn answers(addr: &str) -> bool {
    matches!(
        tokio::time::timeout(Duration::from_millis(500), TcpStream::connect(addr)).await,
        Ok(Ok(_))
    )
}

async fn ensure_database(server: &str) -> anyhow::Result<()> {
    let options: PgConnectOptions = format!("{server}/postgres").parse()?;
    let mut conn = options
        .connect()
        .await
        .with_context(|| format!("connecting to {server} as postgres"))?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(DATABASE)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        sqlx::query("CREATE DATABASE saas_reference")
            .execute(&mut conn)
            .await
            .context("creating the saas_reference database")?;
    }
    Ok(())
}

/// The newest installed PostgreSQL's `bin` folder.
fn postgres_bin() -> anyhow::Result<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|entry| {
                    let version = entry.file_name().to_str()?.parse().ok()?;
                    let bin = entry.path().join("bin");
                    bin.join("initdb").exists().then_some((version, bin))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    match found.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "no database: nothing answers on {LOCAL} and no PostgreSQL is installed under \
             /usr/lib/postgresql. Install PostgreSQL (apt-get install postgresql) or set DATABASE_URL"
        ),
    }
}

async fn start_private_cluster(data_dir: &Path) -> anyhow::Result<String> {
    let bin = postgres_bin()?;
    let data_dir = std::path::absolute(data_dir)?;
    if !data_dir.join("PG_VERSION").exists() {
        tracing::info!(dir = %data_dir.display(), "initialising a private PostgreSQL cluster");
        std::fs::create_dir_all(&data_dir)?;
        run(Command::new(bin.join("initdb"))
            .args(["--auth=trust", "--username=postgres", "--encoding=UTF8", "-D"])
            .arg(&data_dir))
        .await
        .context("initdb failed (PostgreSQL refuses to run as root: run as a normal user or set DATABASE_URL)")?;
    }
    let port = free_port().await?;
    let socket_dir = data_dir.join("socket");
    std::fs::create_dir_all(&socket_dir)?;
    let options = format!(
        "-p {port} -c listen_addresses=127.0.0.1 -k {}",
        socket_dir.display()
    );
    // pg_ctl detaches the server; it keeps running after this process exits and the next start
    // reuses the same data folder (stop it with `pg_ctl -D <dir> stop`).
    run(Command::new(bin.join("pg_ctl"))
        .args(["-w", "-l"])
        .arg(data_dir.join("server.log"))
        .arg("-D")
        .arg(&data_dir)
        .args(["-o", &options, "start"]))
    .await
    .with_context(|| {
        format!(
            "pg_ctl start failed; see {}",
            data_dir.join("server.log").display()
        )
    })?;
    tracing::info!(port, dir = %data_dir.display(), "started a private PostgreSQL cluster");
    Ok(format!("postgres://postgres@127.0.0.1:{port}"))
}

async fn free_port() -> anyhow::Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?.port())
}

async fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .await
        .context("could not run a PostgreSQL binary")?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(())
}
