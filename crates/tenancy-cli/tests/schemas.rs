//! `tenancy schemas` against real PostgreSQL.

use std::process::{Command, Output};

use tenancy_testing::TestDatabase;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn tenancy(url: &str, args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_tenancy"))
        .arg("schemas")
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn create_migrate_clone_rename_and_drop_tenant_schemas() -> TestResult {
    let db = TestDatabase::create().await?;
    let url = db.url();
    let migrations = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/migrations");

    let created = tenancy(url, &["create", "tenant_a", "tenant_b"])?;
    assert!(created.status.success(), "{created:?}");
    assert_eq!(stdout(&created), "created tenant_a\ncreated tenant_b\n");

    let migrated = tenancy(
        url,
        &["migrate", "--source", migrations, "--concurrency", "2"],
    )?;
    assert!(migrated.status.success(), "{migrated:?}");
    assert!(
        stdout(&migrated).starts_with("2 schemas migrated, 0 failed"),
        "{}",
        stdout(&migrated)
    );

    sqlx::query("INSERT INTO tenant_a.notes (body) VALUES ('hello')")
        .execute(db.pool())
        .await?;
    let cloned = tenancy(url, &["clone", "tenant_a", "tenant_c", "--data"])?;
    assert!(cloned.status.success(), "{cloned:?}");
    let from_template = tenancy(url, &["create", "tenant_d", "--template", "tenant_a"])?;
    assert!(from_template.status.success(), "{from_template:?}");
    let counts: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM tenant_c.notes), (SELECT count(*) FROM tenant_d.notes)",
    )
    .fetch_one(db.pool())
    .await?;
    assert_eq!(counts, (1, 0));

    let renamed = tenancy(url, &["rename", "tenant_d", "tenant_e"])?;
    assert!(renamed.status.success(), "{renamed:?}");
    let listed = tenancy(url, &["list"])?;
    assert_eq!(stdout(&listed), "tenant_a\ntenant_b\ntenant_c\ntenant_e\n");

    let unconfirmed = tenancy(url, &["drop", "tenant_e"])?;
    assert_eq!(unconfirmed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("--yes"));
    let dropped = tenancy(url, &["drop", "tenant_e", "--yes"])?;
    assert!(dropped.status.success(), "{dropped:?}");
    let again = tenancy(url, &["drop", "tenant_e", "--yes"])?;
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    let injected = tenancy(url, &["create", "tenant_x; DROP SCHEMA public"])?;
    assert_eq!(injected.status.code(), Some(2), "{injected:?}");
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn a_failing_schema_is_reported_and_a_second_run_resumes() -> TestResult {
    let db = TestDatabase::create().await?;
    let url = db.url();
    let migrations = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/migrations");
    assert!(
        tenancy(url, &["create", "tenant_1", "tenant_2", "tenant_3"])?
            .status
            .success()
    );
    sqlx::query("CREATE TABLE tenant_2.tags (x int)")
        .execute(db.pool())
        .await?;

    let first = tenancy(url, &["migrate", "--source", migrations])?;
    assert_eq!(first.status.code(), Some(1), "{first:?}");
    assert!(
        stdout(&first).starts_with("2 schemas migrated, 1 failed"),
        "{}",
        stdout(&first)
    );
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("FAILED tenant_2"),
        "{first:?}"
    );

    sqlx::query("DROP TABLE tenant_2.tags")
        .execute(db.pool())
        .await?;
    let second = tenancy(url, &["migrate", "--source", migrations])?;
    assert!(second.status.success(), "{second:?}");
    let tagged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'tags' AND table_schema LIKE 'tenant_%'",
    )
    .fetch_one(db.pool())
    .await?;
    assert_eq!(tagged, 3);
    db.cleanup().await?;
    Ok(())
}
