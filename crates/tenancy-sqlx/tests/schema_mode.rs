//! Schema-per-tenant mode against real PostgreSQL.

use std::path::Path;

use sqlx::migrate::Migrator;
use tenancy_core::{TenantId, context};
use tenancy_sqlx::Error;
use tenancy_sqlx::schema_mode::{CloneOptions, SchemaName, SchemaTenancy, migrate};
use tenancy_testing::TestDatabase;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

async fn migrator() -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/schema_migrations"
    )))
    .await
}

#[tokio::test]
async fn each_transaction_sees_only_its_tenants_schema() -> TestResult {
    let db = TestDatabase::create().await?;
    let tenancy = SchemaTenancy::new(db.pool().clone());
    for tenant in ["acme", "globex"] {
        let schema = tenancy.schema_for(&TenantId::from(tenant))?;
        tenancy.create_schema(&schema).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {schema}.notes (body text); INSERT INTO {schema}.notes VALUES ('{tenant} note')"
        )))
        .execute(db.pool())
        .await?;
    }
    for tenant in ["acme", "globex"] {
        let notes: Vec<String> = context::scope(TenantId::from(tenant), async {
            let mut tx = tenancy.begin().await?;
            let notes = sqlx::query_scalar("SELECT body FROM notes")
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, Error>(notes)
        })
        .await?;
        assert_eq!(notes, vec![format!("{tenant} note")]);
    }
    // The search path was transaction-local: a plain connection from the same pool is back on
    // the default path and does not see any tenant's table.
    for _ in 0..4 {
        let unqualified = sqlx::query("SELECT 1 FROM notes")
            .fetch_all(db.pool())
            .await;
        assert!(
            unqualified.is_err(),
            "a tenant search_path leaked into the pool"
        );
    }
    let no_schema = context::scope(TenantId::from("initech"), tenancy.begin()).await;
    assert!(matches!(no_schema, Err(Error::UnknownSchema(_))));
    assert!(matches!(
        tenancy.begin().await,
        Err(Error::Scope(tenancy_core::Error::NoTenant))
    ));
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn create_rename_drop_and_refuse_unsafe_names() -> TestResult {
    let db = TestDatabase::create().await?;
    let tenancy = SchemaTenancy::new(db.pool().clone());
    let a = SchemaName::new("tenant_a")?;
    let b = SchemaName::new("tenant_b")?;
    tenancy.create_schema(&a).await?;
    assert!(matches!(
        tenancy.create_schema(&a).await,
        Err(Error::SchemaExists(_))
    ));
    tenancy.rename_schema(&a, &b).await?;
    assert_eq!(tenancy.list_schemas().await?, vec![b.clone()]);
    tenancy.drop_schema(&b).await?;
    assert!(matches!(
        tenancy.drop_schema(&b).await,
        Err(Error::UnknownSchema(_))
    ));
    assert!(tenancy.list_schemas().await?.is_empty());
    assert!(matches!(
        tenancy.schema_for(&TenantId::from("x".repeat(80))),
        Err(Error::InvalidSchemaName { .. })
    ));
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn clone_copies_structure_and_optionally_rows_with_independent_sequences() -> TestResult {
    let db = TestDatabase::create().await?;
    let tenancy = SchemaTenancy::new(db.pool().clone());
    let template = SchemaName::new("tenant_template")?;
    tenancy.create_schema(&template).await?;
    let report = migrate::migrate_schemas(
        &db.pool().connect_options(),
        migrator().await?,
        std::slice::from_ref(&template),
        1,
        |_, _| {},
    )
    .await;
    assert!(report.is_success(), "{report:?}");
    sqlx::raw_sql(
        "SET search_path = tenant_template;
         INSERT INTO projects (name) VALUES ('alpha'), ('beta');
         INSERT INTO tasks (project_id, title) VALUES (1, 'one'), (2, 'three');
         RESET search_path;",
    )
    .execute(db.pool())
    .await?;

    let empty = SchemaName::new("tenant_empty")?;
    let full = SchemaName::new("tenant_full")?;
    tenancy
        .clone_schema(&template, &empty, CloneOptions::default())
        .await?;
    tenancy
        .clone_schema(&template, &full, CloneOptions { data: true })
        .await?;
    assert!(matches!(
        tenancy
            .clone_schema(&template, &full, CloneOptions::default())
            .await,
        Err(Error::SchemaExists(_))
    ));

    for (schema, expected_rows, next_project) in [(&empty, 0_i64, 1_i64), (&full, 2, 3)] {
        context::scope(TenantId::from(schema.as_str().trim_start_matches("tenant_")), async {
            let mut tx = tenancy.begin().await?;
            let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM open_tasks").fetch_one(&mut *tx).await?;
            assert_eq!(rows, expected_rows, "{schema}");
            // Sequences and identities are the clone's own, positioned after the copied rows.
            let id: i64 = sqlx::query_scalar("INSERT INTO projects (name) VALUES ('new') RETURNING id")
                .fetch_one(&mut *tx)
                .await?;
            assert_eq!(id, next_project, "{schema}");
            let task: (i64, i32) = sqlx::query_as(
                "INSERT INTO tasks (project_id, title) VALUES ($1, 'four') RETURNING id, title_length",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            assert_eq!(task, (expected_rows + 1, 4), "{schema}");
            // The foreign key points at the clone's own projects table.
            let dangling = sqlx::query("INSERT INTO tasks (project_id, title) VALUES (999, 'x')")
                .execute(&mut *tx)
                .await;
            assert!(dangling.is_err(), "{schema}: foreign key missing");
            tx.rollback().await?;
            Ok::<_, Error>(())
        })
        .await?;
    }
    let template_projects: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tenant_template.projects")
            .fetch_one(db.pool())
            .await?;
    assert_eq!(template_projects, 2);
    let triggers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'tasks_touch' AND NOT tgisinternal",
    )
    .fetch_one(db.pool())
    .await?;
    assert_eq!(triggers, 3);
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn migrations_run_across_schemas_report_failures_and_resume() -> TestResult {
    const SCHEMAS: usize = 40;
    let db = TestDatabase::create().await?;
    let tenancy = SchemaTenancy::new(db.pool().clone());
    let mut schemas = Vec::new();
    for i in 0..SCHEMAS {
        let schema = tenancy.schema_for(&TenantId::Int(i64::try_from(i)?))?;
        tenancy.create_schema(&schema).await?;
        schemas.push(schema);
    }
    // Two schemas already hold a conflicting `tasks` table: migration 0002 fails there.
    let broken = [&schemas[3], &schemas[17]];
    for schema in broken {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {schema}.tasks (x int)"
        )))
        .execute(db.pool())
        .await?;
    }
    let listed = tenancy.list_schemas().await?;
    assert_eq!(listed.len(), SCHEMAS);

    let options = db.pool().connect_options();
    let mut calls = 0;
    let report = migrate::migrate_schemas(&options, migrator().await?, &listed, 8, |_, done| {
        calls += 1;
        assert_eq!(done, calls);
    })
    .await;
    assert_eq!(calls, SCHEMAS);
    let mut failed: Vec<_> = report.failures().map(|o| o.schema.clone()).collect();
    failed.sort();
    let mut expected: Vec<_> = broken.iter().map(|s| (*s).clone()).collect();
    expected.sort();
    assert_eq!(failed, expected);
    for outcome in report.failures() {
        assert!(matches!(outcome.result, Err(Error::Migration { .. })));
    }
    // A failed schema kept the migrations before the failing one, and nothing of the failing one.
    let applied: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT version FROM {}._sqlx_migrations ORDER BY version",
        schemas[3]
    )))
    .fetch_all(db.pool())
    .await?;
    assert_eq!(applied, vec![1]);

    // Fix the two schemas and run again: only their pending migrations are applied.
    for schema in broken {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TABLE {schema}.tasks")))
            .execute(db.pool())
            .await?;
    }
    let again = migrate::migrate_schemas(&options, migrator().await?, &listed, 8, |_, _| {}).await;
    assert!(again.is_success(), "{again:?}");
    let versions: Vec<i64> = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relname = 'open_tasks' AND n.nspname LIKE 'tenant_%' ",
    )
    .fetch_all(db.pool())
    .await?;
    assert_eq!(versions, vec![i64::try_from(SCHEMAS)?]);
    let applied_total: i64 = {
        let mut total = 0;
        for schema in &listed {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM {schema}._sqlx_migrations"
            )))
            .fetch_one(db.pool())
            .await?;
            total += n;
        }
        total
    };
    assert_eq!(applied_total, i64::try_from(SCHEMAS * 3)?);
    db.cleanup().await?;
    Ok(())
}
