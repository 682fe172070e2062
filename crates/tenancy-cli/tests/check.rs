//! `tenancy check` and `tenancy distribute` against real PostgreSQL (and Citus with CITUS_URL).

use std::process::{Command, Output};

use tenancy_testing::TestDatabase;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/readiness");

/// Blockers: `tasks` keyed by `id` alone, and a foreign key to `projects` without the tenant.
const NOT_READY: &str = "
CREATE TABLE plans (id bigint PRIMARY KEY, name text);
CREATE TABLE accounts (id bigint PRIMARY KEY, plan_id bigint REFERENCES plans (id));
CREATE TABLE projects (tenant_id bigint NOT NULL REFERENCES accounts (id), id bigint NOT NULL,
                       PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (tenant_id bigint NOT NULL REFERENCES accounts (id), id bigint PRIMARY KEY,
                    project_id bigint, done boolean);
CREATE UNIQUE INDEX tasks_project_unique ON tasks (project_id, id);
";

fn tenancy(args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_tenancy"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn check_reports_blockers_with_fixes_until_the_fix_script_is_applied() -> TestResult {
    let db = TestDatabase::create().await?;
    sqlx::raw_sql(NOT_READY).execute(db.pool()).await?;
    let catalog = format!("{FIXTURES}/catalog.toml");
    let base = [
        "check",
        "--database-url",
        db.url(),
        "--catalog",
        &catalog,
        "--tenant-table",
        "accounts",
    ];

    let report = tenancy(&base)?;
    assert_eq!(report.status.code(), Some(1), "{report:?}");
    let out = text(&report.stdout);
    assert!(out.contains("tasks"), "{out}");

    let mut with_statements = base.to_vec();
    with_statements.extend(["--statements", FIXTURES]);
    let flagged = tenancy(&with_statements)?;
    assert!(
        text(&flagged.stdout).contains("jobs.sql:4"),
        "{}",
        text(&flagged.stdout)
    );
    assert!(
        !text(&flagged.stdout).contains("jobs.sql:2"),
        "{}",
        text(&flagged.stdout)
    );

    let mut fix_args = base.to_vec();
    fix_args.push("--fix-script");
    let fix = tenancy(&fix_args)?;
    let script = text(&fix.stdout);
    assert!(script.contains("ALTER TABLE"), "{script}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(script))
        .execute(db.pool())
        .await?;

    let after = tenancy(&base)?;
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}{}",
        text(&after.stdout),
        text(&after.stderr)
    );

    // As the superuser owning the tables, RLS is reported open.
    let mut rls = base.to_vec();
    rls.push("--rls");
    let rls = tenancy(&rls)?;
    assert_eq!(rls.status.code(), Some(1));
    assert!(
        text(&rls.stdout).contains("rls: role postgres has SUPERUSER"),
        "{}",
        text(&rls.stdout)
    );
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn distribute_plans_and_on_plain_postgres_warns_or_fails_by_option() -> TestResult {
    let db = TestDatabase::create().await?;
    sqlx::raw_sql(NOT_READY).execute(db.pool()).await?;
    let catalog = format!("{FIXTURES}/catalog.toml");
    let base = [
        "distribute",
        "--database-url",
        db.url(),
        "--catalog",
        &catalog,
        "--tenant-table",
        "accounts",
    ];

    let blocked = tenancy(&base)?;
    assert_eq!(blocked.status.code(), Some(1), "{blocked:?}");

    let mut fix_args = vec!["check", "--database-url", db.url(), "--catalog", &catalog];
    fix_args.extend(["--tenant-table", "accounts", "--fix-script"]);
    let script = text(&tenancy(&fix_args)?.stdout);
    sqlx::raw_sql(sqlx::AssertSqlSafe(script))
        .execute(db.pool())
        .await?;

    let mut dry = base.to_vec();
    dry.push("--dry-run");
    let plan = text(&tenancy(&dry)?.stdout);
    let reference = plan.find("create_reference_table('public.plans')");
    let root = plan.find("create_distributed_table('public.accounts', 'id'");
    let child = plan.find("create_distributed_table('public.tasks', 'tenant_id'");
    assert!(
        reference < root && root < child && reference.is_some(),
        "{plan}"
    );

    let warned = tenancy(&base)?;
    assert_eq!(warned.status.code(), Some(0), "{warned:?}");
    let report = text(&warned.stdout);
    assert!(
        report.contains("step(s) changed the cluster") && report.ends_with('\n'),
        "the report is a finished text line: {report:?}"
    );
    let mut strict = base.to_vec();
    strict.push("--strict");
    let failed = tenancy(&strict)?;
    assert_eq!(failed.status.code(), Some(1), "{failed:?}");
    assert!(
        text(&failed.stderr).to_lowercase().contains("citus"),
        "{}",
        text(&failed.stderr)
    );
    db.cleanup().await?;
    Ok(())
}
