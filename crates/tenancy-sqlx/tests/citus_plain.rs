//! Citus helpers on plain PostgreSQL (always run): golden SQL of the generated DDL and fixes,
//! the readiness checker before any Citus exists, and the warn-or-fail behaviour.

use tenancy_sqlx::Error;
use tenancy_sqlx::citus::{
    Alteration, Citus, FindingKind, OnPlainPostgres, Outcome, ReadinessOptions, Severity,
    ShardTransferMode, SourceStatement, check_readiness, ddl, plan_distribution,
};
use tenancy_sqlx::core::{Catalog, TableName, TenantId};
use tenancy_testing::TestDatabase;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn t(name: &str) -> TableName {
    TableName::parse(name).expect("a valid table name")
}

#[test]
fn golden_ddl() {
    let tasks = t("tasks");
    let accounts = t("accounts");
    let odd = TableName::new("App", "it's");
    let cases = [
        (
            ddl::create_distributed_table(&tasks, "tenant_id", Some(&accounts)),
            "SELECT create_distributed_table('public.tasks', 'tenant_id', colocate_with => 'public.accounts')",
        ),
        (
            ddl::create_distributed_table(&accounts, "id", None),
            "SELECT create_distributed_table('public.accounts', 'id')",
        ),
        (
            ddl::create_distributed_table(&odd, "Org", None),
            "SELECT create_distributed_table('\"App\".\"it''s\"', 'Org')",
        ),
        (
            ddl::create_reference_table(&t("plans")),
            "SELECT create_reference_table('public.plans')",
        ),
        (
            ddl::undistribute_table(&tasks, false),
            "SELECT undistribute_table('public.tasks')",
        ),
        (
            ddl::alter_distributed_table(
                &tasks,
                &Alteration::default()
                    .shard_count(8)
                    .cascade_to_colocated(true),
            ),
            "SELECT alter_distributed_table('public.tasks', shard_count => 8, cascade_to_colocated => true)",
        ),
        (
            ddl::isolate_tenant_to_new_shard(
                &accounts,
                &TenantId::Text("o'brien".into()),
                ShardTransferMode::ForceLogical,
            ),
            "SELECT isolate_tenant_to_new_shard('public.accounts', 'o''brien'::text, \
             cascade_option => 'CASCADE', shard_transfer_mode => 'force_logical')",
        ),
        (
            ddl::citus_add_node("worker-1", 5432),
            "SELECT citus_add_node('worker-1', 5432)",
        ),
        (
            ddl::rebalance_table_shards(ShardTransferMode::BlockWrites),
            "SELECT rebalance_table_shards(shard_transfer_mode => 'block_writes')",
        ),
    ];
    for (generated, golden) in cases {
        assert_eq!(generated, golden);
    }
}

const SCHEMA: &str = "
    CREATE TABLE plans (id bigint PRIMARY KEY, name text);
    CREATE TABLE accounts (id bigint PRIMARY KEY, plan_id bigint REFERENCES plans (id));
    CREATE TABLE projects (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES accounts (id),
                           slug text UNIQUE);
    CREATE TABLE tasks (id serial, tenant_id integer, project_id bigint REFERENCES projects (id)
                        ON DELETE SET NULL, PRIMARY KEY (tenant_id, id));
    CREATE UNIQUE INDEX tasks_title ON tasks (lower(project_id::text));
    CREATE TABLE notes (id bigint PRIMARY KEY, body text);
    CREATE TABLE audit (id bigint, account_id bigint REFERENCES accounts (id));
";

fn catalog() -> Catalog {
    Catalog::builder()
        .tenant_table_by("accounts", "id")
        .tenant_table("projects")
        .tenant_table("tasks")
        .tenant_table("notes")
        .tenant_table("ghosts")
        .reference_table("plans")
        .build()
        .expect("a valid catalog")
}

#[tokio::test]
async fn readiness_on_plain_postgres_lists_every_blocker_with_golden_fixes() -> TestResult {
    let db = TestDatabase::create().await?;
    sqlx::raw_sql(SCHEMA).execute(db.pool()).await?;
    let statements = [SourceStatement::new(
        "src/jobs.rs:12",
        "UPDATE projects SET tenant_id = $1 WHERE id = $2",
    )];
    let report = check_readiness(
        db.pool(),
        &catalog(),
        &ReadinessOptions::default().statements(statements),
    )
    .await?;
    println!("{report}");
    assert!(!report.citus());
    assert_eq!(report.tenant_table(), Some(&t("accounts")));
    let blocker = |kind: FindingKind, table: &str| {
        report
            .blockers()
            .filter(|f| f.kind == kind && f.table.as_ref() == Some(&t(table)))
            .count()
    };
    assert_eq!(blocker(FindingKind::MissingTable, "ghosts"), 1);
    assert_eq!(blocker(FindingKind::KeyWithoutTenantColumn, "projects"), 2);
    assert_eq!(blocker(FindingKind::KeyWithoutTenantColumn, "tasks"), 1);
    assert_eq!(blocker(FindingKind::KeyWithoutTenantColumn, "notes"), 1);
    assert_eq!(blocker(FindingKind::MissingTenantColumn, "notes"), 1);
    assert_eq!(blocker(FindingKind::TenantColumnType, "tasks"), 1);
    assert_eq!(
        blocker(FindingKind::ForeignKeyWithoutTenantColumn, "tasks"),
        1
    );
    assert_eq!(blocker(FindingKind::ForeignKeyIntoTenantTable, "audit"), 1);
    assert_eq!(blocker(FindingKind::UpdatesTenantColumn, "projects"), 1);
    assert_eq!(report.blockers().count(), 10, "{report}");
    let warnings: Vec<_> = report
        .warnings()
        .map(|f| (f.kind, f.table.clone()))
        .collect();
    assert!(warnings.contains(&(FindingKind::SharedSequence, Some(t("projects")))));
    assert!(warnings.contains(&(FindingKind::SharedSequence, Some(t("tasks")))));
    assert!(
        report
            .warnings()
            .all(|f| f.severity == Severity::Warning && f.kind == FindingKind::SharedSequence)
    );

    // Golden fix script: foreign keys dropped first, columns, keys, then foreign keys re-added.
    assert_eq!(
        report.fix_script(),
        [
            "ALTER TABLE public.audit DROP CONSTRAINT audit_account_id_fkey;",
            "ALTER TABLE public.tasks DROP CONSTRAINT tasks_project_id_fkey;",
            "ALTER TABLE public.notes ADD COLUMN tenant_id bigint;",
            "ALTER TABLE public.notes ALTER COLUMN tenant_id SET NOT NULL;",
            "ALTER TABLE public.tasks ALTER COLUMN tenant_id TYPE bigint;",
            "ALTER TABLE public.notes DROP CONSTRAINT notes_pkey, ADD CONSTRAINT notes_pkey PRIMARY KEY (tenant_id, id);",
            "ALTER TABLE public.projects DROP CONSTRAINT projects_pkey, ADD CONSTRAINT projects_pkey PRIMARY KEY (tenant_id, id);",
            "ALTER TABLE public.projects DROP CONSTRAINT projects_slug_key, ADD CONSTRAINT projects_slug_key UNIQUE (tenant_id, slug);",
            "DROP INDEX public.tasks_title;",
            "CREATE UNIQUE INDEX tasks_title ON public.tasks USING btree (tenant_id, lower((project_id)::text));",
            "ALTER TABLE public.tasks ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (tenant_id, project_id) REFERENCES public.projects (tenant_id, id);",
        ]
    );

    // The fixes apply cleanly on PostgreSQL and leave only the ghost table and the statement.
    sqlx::raw_sql(sqlx::AssertSqlSafe(report.fix_script().join("\n")))
        .execute(db.pool())
        .await?;
    let after = check_readiness(db.pool(), &catalog(), &ReadinessOptions::default()).await?;
    let left: Vec<_> = after.blockers().map(|f| f.kind).collect();
    assert_eq!(left, [FindingKind::MissingTable], "{after}");
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn helpers_warn_and_do_nothing_or_fail_on_plain_postgres() -> TestResult {
    let db = TestDatabase::create().await?;
    sqlx::raw_sql("CREATE TABLE accounts (id bigint PRIMARY KEY); CREATE TABLE plans (id int)")
        .execute(db.pool())
        .await?;
    let lenient = Citus::new(db.pool().clone());
    assert!(!lenient.is_citus().await?);
    let accounts = t("accounts");
    for outcome in [
        lenient
            .create_distributed_table(&accounts, "id", None)
            .await?,
        lenient.create_reference_table(&t("plans")).await?,
        lenient.undistribute_table(&accounts, true).await?,
        lenient
            .alter_distributed_table(&accounts, &Alteration::default().shard_count(4))
            .await?,
        lenient
            .isolate_tenant_to_new_shard(&accounts, &TenantId::Int(1))
            .await?,
        lenient.add_node("127.0.0.1", 9999).await?,
        lenient.rebalance().await?,
        lenient.start_rebalance().await?.0,
    ] {
        assert_eq!(outcome, Outcome::SkippedPlainPostgres);
    }
    // Nothing changed: the table is still plain and no citus object appeared.
    let citus_objects: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_proc WHERE proname LIKE 'create_distributed%'")
            .fetch_one(db.pool())
            .await?;
    assert_eq!(citus_objects, 0);

    let strict = lenient.on_plain_postgres(OnPlainPostgres::Error);
    let err = strict
        .create_distributed_table(&accounts, "id", None)
        .await
        .expect_err("strict mode fails on plain PostgreSQL");
    assert!(matches!(err, Error::CitusMissing { .. }), "{err}");
    assert!(err.to_string().contains("CREATE EXTENSION citus"));

    // The plan for a ready schema on plain PostgreSQL: printable, and applying it skips.
    let catalog = Catalog::builder()
        .tenant_table_by("accounts", "id")
        .reference_table("plans")
        .build()?;
    let plan = plan_distribution(db.pool(), &catalog, &ReadinessOptions::default()).await?;
    assert_eq!(
        plan.to_string(),
        "SELECT create_reference_table('public.plans');\n\
         SELECT create_distributed_table('public.accounts', 'id');"
    );
    let report = plan.apply(&Citus::new(db.pool().clone())).await?;
    assert_eq!(report.changed(), 0);
    db.cleanup().await?;
    Ok(())
}
