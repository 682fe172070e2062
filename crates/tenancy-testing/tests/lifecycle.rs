//! Test databases against a real server: created, isolated, seeded, and dropped — also on panic.

use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use tenancy_testing::{Environment, Seed, Source, TestDatabase};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The server the databases live on, to look at `pg_database` from outside.
async fn server() -> Result<PgConnection, Box<dyn std::error::Error + Send + Sync>> {
    let url = match Source::resolve(
        &Environment::from_process(),
        tenancy_testing::Flavor::Postgres,
    )
    .await?
    {
        Source::Url(url) | Source::Local(url) => url,
        other => {
            return Err(format!("these tests inspect the server directly; got {other}").into());
        }
    };
    Ok(PgConnection::connect(&url).await?)
}

async fn exists(conn: &mut PgConnection, name: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(conn)
        .await
}

#[tokio::test]
async fn create_gives_an_empty_private_database_and_cleanup_drops_it() -> TestResult {
    let mut server = server().await?;
    let a = TestDatabase::create().await?;
    let b = TestDatabase::create().await?;
    assert_ne!(a.name(), b.name());
    assert!(exists(&mut server, a.name()).await?);

    sqlx::raw_sql("CREATE TABLE t (n int); INSERT INTO t VALUES (1)")
        .execute(a.pool())
        .await?;
    let in_b: Option<String> = sqlx::query_scalar("SELECT to_regclass('t')::text")
        .fetch_one(b.pool())
        .await?;
    assert_eq!(in_b, None, "databases must not share tables");

    let mut by_url = PgConnection::connect(a.url()).await?;
    let n: i32 = sqlx::query_scalar("SELECT n FROM t")
        .fetch_one(&mut by_url)
        .await?;
    assert_eq!(n, 1);
    by_url.close().await?;

    let (a_name, b_name) = (a.name().to_owned(), b.name().to_owned());
    a.cleanup().await?;
    b.cleanup().await?;
    assert!(!exists(&mut server, &a_name).await?);
    assert!(!exists(&mut server, &b_name).await?);
    Ok(())
}

#[tokio::test]
async fn a_panicking_test_still_drops_its_database() -> TestResult {
    let mut server = server().await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let db = TestDatabase::create().await.expect("a test database");
        // An open connection must not keep the database alive: the drop forces it closed.
        let _conn = db.pool().acquire().await.expect("a connection");
        let _ = tx.send(db.name().to_owned());
        panic!("the test under test fails");
    });
    assert!(task.await.is_err_and(|e| e.is_panic()));
    let name = rx.await?;
    assert!(
        !exists(&mut server, &name).await?,
        "{name} survived the panic"
    );
    Ok(())
}

#[tokio::test]
async fn seed_writes_every_tenants_rows_in_order() -> TestResult {
    let db = TestDatabase::create().await?;
    let seed = Seed::new(
        "CREATE TABLE notes (tenant_id text, id int, body text, PRIMARY KEY (tenant_id, id))",
    )
    .tenants(["acme", "o'hara"])
    .per_tenant(|t, i| {
        (1..=i + 2)
            .map(|id| {
                format!(
                    "INSERT INTO notes VALUES ({}, {id}, 'tenant #{i}')",
                    t.to_sql_literal()
                )
            })
            .collect::<Vec<_>>()
            .join(";")
    });
    db.seed(&seed).await?;
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT tenant_id, count(*) FROM notes GROUP BY 1 ORDER BY 1")
            .fetch_all(db.pool())
            .await?;
    assert_eq!(rows, [("acme".to_owned(), 2), ("o'hara".to_owned(), 3)]);

    let broken = Seed::rows_only()
        .int_tenants(1)
        .per_tenant(|_, _| "INSERT INTO missing VALUES (1)".to_owned());
    let err = db.seed(&broken).await.map(drop);
    assert!(err.is_err_and(|e| e.to_string().contains("tenant 1")));
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn sweep_drops_only_stale_test_databases() -> TestResult {
    let mut server = server().await?;
    let url = match Source::resolve(
        &Environment::from_process(),
        tenancy_testing::Flavor::Postgres,
    )
    .await?
    {
        Source::Url(url) | Source::Local(url) => url,
        other => return Err(format!("unexpected source {other}").into()),
    };
    // Dated 1970: stale by any threshold. The pid part keeps parallel runs from colliding.
    let stale = format!("tenancy_test_1000_{}_0_sweep", std::process::id());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{stale}\"")))
        .execute(&mut server)
        .await?;
    let fresh = TestDatabase::create().await?;

    let dropped = tenancy_testing::sweep_stale_databases(&url, Duration::from_secs(3600)).await?;
    // Another test's first `create` sweeps too and may have dropped it first.
    assert!(
        dropped.iter().all(|name| name.starts_with("tenancy_test_")),
        "{dropped:?}"
    );
    assert!(!exists(&mut server, &stale).await?);
    assert!(
        exists(&mut server, fresh.name()).await?,
        "a fresh database was swept"
    );
    fresh.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn an_unreachable_server_fails_fast_with_instructions() {
    let env = Environment::empty().with_local_url("postgres://postgres@127.0.0.1:1");
    let started = std::time::Instant::now();
    let err = TestDatabase::builder()
        .environment(env)
        .create()
        .await
        .map(drop)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("set DATABASE_URL"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}
