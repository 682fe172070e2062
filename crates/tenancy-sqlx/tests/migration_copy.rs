//! Plan, copy and verify 100 tenant schemas into shared tables on real PostgreSQL.

mod migration_fixture;

use migration_fixture::{TestResult, catalog, seed_source, seed_target, source_rows, target_rows};
use tenancy_sqlx::core::{TenantId, TenantKeyKind};
use tenancy_sqlx::migration::{
    CopyOptions, Difference, SourceLayout, copy_all, plan_migration, verify_all,
};
use tenancy_testing::TestDatabase;

fn layout() -> SourceLayout {
    SourceLayout::new("tenant_").tenant_kind(TenantKeyKind::Int)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_tenant_schemas_are_copied_and_verified_equal() -> TestResult {
    let source = TestDatabase::builder().max_connections(6).create().await?;
    let target = TestDatabase::builder().max_connections(6).create().await?;
    seed_source(source.pool(), 100).await?;
    seed_target(target.pool()).await?;

    let plan = plan_migration(source.pool(), target.pool(), &catalog(), &layout()).await?;
    assert!(plan.is_ready(), "{plan}");
    assert_eq!(plan.tenants.len(), 100);
    let order: Vec<&str> = plan.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(order, ["projects", "tasks", "comments"], "parents first");

    let copied = copy_all(
        &plan,
        source.pool(),
        target.pool(),
        CopyOptions::default().batch_rows(7).concurrency(4),
        None,
    )
    .await?;
    let expected = source_rows(source.pool(), 100).await?;
    let rows: u64 = copied.iter().map(|c| c.rows).sum();
    assert_eq!(i64::try_from(rows)?, expected);
    assert_eq!(target_rows(target.pool()).await?, expected);
    // Batches are exact key ranges of 7 rows: ceil(rows / 7) per table, no more, no fewer.
    for c in &copied {
        let s = &c.tenant.schema;
        let sizes: (i64, i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT (SELECT count(*) FROM {s}.projects), (SELECT count(*) FROM {s}.tasks),
                    (SELECT count(*) FROM {s}.comments)"
        )))
        .fetch_one(source.pool())
        .await?;
        let expected = [sizes.0, sizes.1, sizes.2]
            .iter()
            .map(|n| u64::try_from((n + 6) / 7))
            .sum::<Result<u64, _>>()?;
        assert_eq!(c.batches, expected, "{}", c.tenant);
    }

    let report = verify_all(&plan, source.pool(), target.pool(), 4).await?;
    assert!(report.is_equal(), "{report}");
    assert_eq!(report.tenants.len(), 100);

    // A second run finds every checkpoint done: nothing copied twice.
    let again = copy_all(
        &plan,
        source.pool(),
        target.pool(),
        CopyOptions::default(),
        None,
    )
    .await?;
    assert_eq!(again.iter().map(|c| c.rows).sum::<u64>(), 0);
    assert_eq!(target_rows(target.pool()).await?, expected);

    // Sequences are past every copied id: a new row gets a fresh id for any tenant.
    let max_task: i64 = sqlx::query_scalar("SELECT max(id) FROM tasks")
        .fetch_one(target.pool())
        .await?;
    let next: i64 = sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('tasks', 'id'))")
        .fetch_one(target.pool())
        .await?;
    assert!(next > max_task, "{next} > {max_task}");

    // A changed row in the target is caught by the checksum, a missing one by the count.
    sqlx::query("UPDATE tasks SET title = title || '!' WHERE tenant_id = 42 AND id = 3")
        .execute(target.pool())
        .await?;
    sqlx::query("DELETE FROM comments WHERE tenant_id = 7 AND id = (SELECT id FROM comments WHERE tenant_id = 7 ORDER BY id LIMIT 1)")
        .execute(target.pool())
        .await?;
    let report = verify_all(&plan, source.pool(), target.pool(), 4).await?;
    assert!(!report.is_equal());
    let differing: Vec<(TenantId, String)> = report
        .tenants
        .iter()
        .flat_map(|t| {
            t.tables
                .iter()
                .filter(|c| !c.is_equal())
                .map(|c| (t.tenant.tenant.clone(), c.table.clone()))
        })
        .collect();
    assert_eq!(
        differing,
        [
            (TenantId::Int(42), "tasks".to_owned()),
            (TenantId::Int(7), "comments".to_owned())
        ],
        "in schema-name order"
    );
    source.cleanup().await?;
    target.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn the_plan_reports_missing_columns_type_mismatches_keys_and_drift() -> TestResult {
    let source = TestDatabase::create().await?;
    let target = TestDatabase::create().await?;
    seed_source(source.pool(), 3).await?;
    seed_target(target.pool()).await?;
    sqlx::raw_sql(
        "ALTER TABLE comments DROP COLUMN score;
         ALTER TABLE tasks ALTER COLUMN title TYPE varchar(200);
         ALTER TABLE projects ADD COLUMN archived boolean;
         ALTER TABLE projects ADD COLUMN owner text NOT NULL;",
    )
    .execute(target.pool())
    .await?;
    sqlx::query("ALTER TABLE tenant_2.tasks ADD COLUMN extra int")
        .execute(source.pool())
        .await?;
    let plan = plan_migration(source.pool(), target.pool(), &catalog(), &layout()).await?;
    let has = |wanted: &Difference| plan.differences.contains(wanted);
    assert!(
        has(&Difference::MissingColumn {
            table: "comments".into(),
            column: "score".into()
        }),
        "{plan}"
    );
    assert!(
        has(&Difference::TypeMismatch {
            table: "tasks".into(),
            column: "title".into(),
            source: "text".into(),
            target: "character varying(200)".into(),
        }),
        "{plan}"
    );
    assert!(has(&Difference::ExtraTargetColumn {
        table: "projects".into(),
        column: "archived".into()
    }));
    assert!(has(&Difference::RequiredTargetColumn {
        table: "projects".into(),
        column: "owner".into()
    }));
    assert!(plan.differences.iter().any(|d| matches!(d, Difference::SchemaDrift { schema, table, .. } if schema == "tenant_2" && table == "tasks")), "{plan}");
    assert!(!plan.is_ready());
    let err = copy_all(
        &plan,
        source.pool(),
        target.pool(),
        CopyOptions::default(),
        None,
    )
    .await
    .expect_err("a blocked plan must not copy");
    assert!(err.to_string().contains("blocker"), "{err}");
    assert_eq!(target_rows(target.pool()).await?, 0, "nothing copied");

    // Without the catalog entry a table is refused, and a missing composite key is reported.
    let narrow = tenancy_sqlx::core::Catalog::builder()
        .tenant_table("projects")
        .tenant_table("tasks")
        .build()?;
    sqlx::raw_sql("ALTER TABLE comments DROP CONSTRAINT comments_pkey")
        .execute(target.pool())
        .await?;
    let plan = plan_migration(source.pool(), target.pool(), &narrow, &layout()).await?;
    assert!(
        plan.differences.contains(&Difference::NotInCatalog {
            table: "comments".into()
        }),
        "{plan}"
    );
    let plan = plan_migration(source.pool(), target.pool(), &catalog(), &layout()).await?;
    assert!(
        plan.differences
            .iter()
            .any(|d| matches!(d, Difference::NoCompositeKey { table, .. } if table == "comments")),
        "{plan}"
    );
    source.cleanup().await?;
    target.cleanup().await?;
    Ok(())
}
