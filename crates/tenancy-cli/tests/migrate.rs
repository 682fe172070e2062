//! `tenancy migrate` and `tenancy cutover` against real PostgreSQL, including SIGKILL of the
//! copying process at random points.

#[path = "../../tenancy-sqlx/tests/migration_fixture/mod.rs"]
mod migration_fixture;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use migration_fixture::{
    CATALOG_TOML, TestResult, seed_source, seed_target, source_rows, target_duplicates, target_rows,
};
use tenancy_testing::TestDatabase;

fn catalog_file() -> TestResult<tempfile::NamedTempFile> {
    let mut file = tempfile::NamedTempFile::new()?;
    file.write_all(CATALOG_TOML.as_bytes())?;
    Ok(file)
}

fn tenancy(args: &[&str], source: &str, target: &str, catalog: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenancy"));
    command
        .args(args)
        .args(["--source", source, "--target", target, "--catalog", catalog])
        .env_remove("TENANCY_SOURCE_URL")
        .env_remove("TENANCY_TARGET_URL");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(command: &mut Command) -> TestResult<Output> {
    Ok(command.output()?)
}

/// Rows in the target vs rows the checkpoints say were committed: equal at every instant,
/// because each batch and its checkpoint commit together.
async fn checkpointed_rows(target: &sqlx::PgPool) -> TestResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT coalesce(sum(rows_copied), 0)::bigint FROM tenancy_migration.copy_checkpoint",
    )
    .fetch_one(target)
    .await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_then_resume_loses_and_duplicates_nothing() -> TestResult {
    let source = TestDatabase::create().await?;
    let target = TestDatabase::create().await?;
    seed_source(source.pool(), 30).await?;
    seed_target(target.pool()).await?;
    let catalog = catalog_file()?;
    let catalog = catalog.path().to_str().ok_or("utf-8 path")?;
    let expected = source_rows(source.pool(), 30).await?;
    let copy = [
        "migrate",
        "schemas-to-shared",
        "--batch-rows",
        "2",
        "--concurrency",
        "2",
    ];

    let mut killed_mid_copy = 0;
    // A different set of kill points on every run, without a dependency for it.
    let mut seed = u64::from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .subsec_nanos(),
    );
    for round in 0..5 {
        let mut child = tenancy(&copy, source.url(), target.url(), catalog)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let delay = 150 + (seed >> 33) % 750;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        if child.try_wait()?.is_none() {
            child.kill()?; // SIGKILL: no cleanup, no rollback by the process
            killed_mid_copy += 1;
        }
        child.wait()?;
        let rows = target_rows(target.pool()).await?;
        println!("round {round}: killed after {delay} ms with {rows}/{expected} rows copied");
        if rows > 0 {
            assert_eq!(
                rows,
                checkpointed_rows(target.pool()).await?,
                "a batch half-committed"
            );
        }
        assert_eq!(target_duplicates(target.pool()).await?, 0);
    }
    assert!(
        killed_mid_copy >= 3,
        "only {killed_mid_copy} kills hit a running copy"
    );

    let finished = run(&mut tenancy(&copy, source.url(), target.url(), catalog))?;
    assert!(
        finished.status.success(),
        "{}{}",
        text(&finished.stdout),
        text(&finished.stderr)
    );
    let out = text(&finished.stdout);
    assert!(
        out.contains("30 tenants verified, 90 tables checked, 0 differ"),
        "{out}"
    );
    assert_eq!(target_rows(target.pool()).await?, expected, "0 lost");
    assert_eq!(target_duplicates(target.pool()).await?, 0, "0 duplicated");
    source.cleanup().await?;
    target.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn dry_run_verify_sync_and_cutover_commands() -> TestResult {
    let source = TestDatabase::create().await?;
    let target = TestDatabase::create().await?;
    seed_source(source.pool(), 4).await?;
    seed_target(target.pool()).await?;
    let catalog = catalog_file()?;
    let catalog = catalog.path().to_str().ok_or("utf-8 path")?;
    let (s, t) = (source.url(), target.url());

    let dry = run(&mut tenancy(
        &["migrate", "schemas-to-shared", "--dry-run"],
        s,
        t,
        catalog,
    ))?;
    assert!(dry.status.success(), "{dry:?}");
    let plan = text(&dry.stdout);
    assert!(
        plan.starts_with("4 tenant schemas -> 3 shared tables"),
        "{plan}"
    );
    assert!(plan.contains("no differences: ready to copy"), "{plan}");
    assert_eq!(
        target_rows(target.pool()).await?,
        0,
        "a dry run copies nothing"
    );

    let copied = run(&mut tenancy(
        &["migrate", "schemas-to-shared"],
        s,
        t,
        catalog,
    ))?;
    assert!(copied.status.success(), "{copied:?}");
    assert!(text(&copied.stdout).contains("4 tenants verified, 12 tables checked, 0 differ"));

    // A write after the copy is captured; `sync` applies it; `verify` agrees.
    sqlx::query("UPDATE tenant_2.tasks SET title = 'changed' WHERE id = 1")
        .execute(source.pool())
        .await?;
    let stale = run(&mut tenancy(&["migrate", "verify"], s, t, catalog))?;
    assert_eq!(stale.status.code(), Some(1), "{stale:?}");
    assert!(
        text(&stale.stdout).contains("DIFFERS tenant 2 (tenant_2) tasks"),
        "{}",
        text(&stale.stdout)
    );
    let synced = run(&mut tenancy(&["migrate", "sync"], s, t, catalog))?;
    assert!(
        text(&synced.stdout).starts_with("applied 1 changes; lag: 0 unapplied changes"),
        "{synced:?}"
    );
    let fresh = run(&mut tenancy(&["migrate", "verify"], s, t, catalog))?;
    assert!(fresh.status.success(), "{fresh:?}");

    let moved = run(&mut tenancy(&["cutover", "2", "3"], s, t, catalog))?;
    assert!(moved.status.success(), "{moved:?}");
    let lines = text(&moved.stdout);
    assert!(
        lines.contains("tenant 2 (tenant_2): now in shared"),
        "{lines}"
    );
    assert!(
        lines.contains("tenant 3 (tenant_3): now in shared"),
        "{lines}"
    );
    assert!(lines.contains("writes blocked"), "{lines}");
    let again = run(&mut tenancy(&["cutover", "2"], s, t, catalog))?;
    assert_eq!(
        text(&again.stdout),
        "tenant 2 (tenant_2): already in shared\n"
    );
    let back = run(&mut tenancy(&["cutover", "2", "--rollback"], s, t, catalog))?;
    assert!(
        text(&back.stdout).contains("tenant 2 (tenant_2): now in schema"),
        "{back:?}"
    );
    let homes: Vec<(String, String)> =
        sqlx::query_as("SELECT tenant, home FROM tenancy_migration.placement ORDER BY tenant")
            .fetch_all(target.pool())
            .await?;
    let homes: Vec<(&str, &str)> = homes
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        homes,
        [
            ("1", "schema"),
            ("2", "schema"),
            ("3", "shared"),
            ("4", "schema")
        ]
    );

    let unknown = run(&mut tenancy(&["cutover", "99"], s, t, catalog))?;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown.stderr).contains("no tenant schema"),
        "{unknown:?}"
    );
    let unreachable = run(&mut tenancy(
        &["migrate", "verify"],
        "postgres://nobody@127.0.0.1:1/x",
        t,
        catalog,
    ))?;
    assert_eq!(unreachable.status.code(), Some(2));
    source.cleanup().await?;
    target.cleanup().await?;
    Ok(())
}
