//! The migration into Citus (`CITUS_URL`): shared tables distributed by `tenant_id` and
//! colocated, then copy, sync, verify and cutover as on PostgreSQL. Prints "skipped" without a
//! cluster.

mod migration_fixture;

use migration_fixture::{TestResult, catalog, seed_source, seed_target};
use tenancy_sqlx::core::{TenantId, TenantKeyKind};
use tenancy_sqlx::migration::{
    CopyOptions, SourceLayout, apply_changes, copy_all, cutover, plan_migration, rollback,
    verify_all,
};
use tenancy_testing::TestDatabase;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_schemas_migrate_into_distributed_tables() -> TestResult {
    let Some(target) = TestDatabase::builder()
        .citus()
        .max_connections(6)
        .create_or_skip("tenant_schemas_migrate_into_distributed_tables")
        .await?
    else {
        return Ok(());
    };
    let source = TestDatabase::builder().max_connections(6).create().await?;
    seed_source(source.pool(), 10).await?;
    seed_target(target.pool()).await?;
    sqlx::raw_sql(
        "SELECT create_distributed_table('projects', 'tenant_id');
         SELECT create_distributed_table('tasks', 'tenant_id', colocate_with => 'projects');
         SELECT create_distributed_table('comments', 'tenant_id', colocate_with => 'projects');",
    )
    .execute(target.pool())
    .await?;
    let layout = SourceLayout::new("tenant_").tenant_kind(TenantKeyKind::Int);
    let plan = plan_migration(source.pool(), target.pool(), &catalog(), &layout).await?;
    assert!(plan.is_ready(), "{plan}");
    copy_all(
        &plan,
        source.pool(),
        target.pool(),
        CopyOptions::default().batch_rows(9),
        None,
    )
    .await?;
    sqlx::raw_sql(
        "UPDATE tenant_4.tasks SET title = 'changed on the way' WHERE id = 2;
         DELETE FROM tenant_4.comments WHERE id = (SELECT id FROM tenant_4.comments ORDER BY id LIMIT 1);
         INSERT INTO tenant_5.projects (name) VALUES ('late');",
    )
    .execute(source.pool())
    .await?;
    assert_eq!(
        apply_changes(&plan, source.pool(), target.pool(), None, 100).await?,
        3
    );
    let report = verify_all(&plan, source.pool(), target.pool(), 4).await?;
    assert!(report.is_equal(), "{report}");
    let moved = cutover(&plan, source.pool(), target.pool(), &TenantId::Int(4)).await?;
    println!("Citus cutover pause: {:?}", moved.blocked);
    assert!(moved.changed);
    let back = rollback(&plan, source.pool(), target.pool(), &TenantId::Int(4)).await?;
    assert!(back.changed && back.check.is_some_and(|c| c.is_equal()));
    source.cleanup().await?;
    target.cleanup().await?;
    Ok(())
}
