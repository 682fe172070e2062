//! Row-level security as the second wall, against real PostgreSQL with a non-owner app role.

mod common;

use std::sync::Arc;

use common::{AppRole, TENANTS, TestResult, catalog, database};
use tenancy_core::{TableName, TenantId, TenantKeyKind, context};
use tenancy_sqlx::TenantPool;
use tenancy_sqlx::rls::{self, RlsProblem};

#[tokio::test]
async fn verify_rls_finds_every_gap_and_passes_once_applied() -> TestResult {
    let db = database().await?;
    let app = AppRole::create(&db).await?;
    let catalog = catalog();
    let tasks = TableName::parse("tasks")?;

    let before = rls::verify_rls(&app.pool, &catalog).await?;
    for problem in [
        RlsProblem::NotEnabled(tasks.clone()),
        RlsProblem::NotForced(tasks.clone()),
        RlsProblem::NoTenantPolicy(tasks.clone()),
    ] {
        assert!(
            before.contains(&problem),
            "{problem} missing from {before:?}"
        );
    }

    rls::apply(db.pool(), &catalog, TenantKeyKind::Int).await?;
    assert_eq!(rls::verify_rls(&app.pool, &catalog).await?, vec![]);
    // Applying twice is harmless.
    rls::apply(db.pool(), &catalog, TenantKeyKind::Int).await?;
    assert_eq!(rls::verify_rls(&app.pool, &catalog).await?, vec![]);

    // The superuser bypasses RLS whatever the tables say, and owns the tables.
    let as_superuser = rls::verify_rls(db.pool(), &catalog).await?;
    assert!(
        matches!(
            as_superuser.as_slice(),
            [
                RlsProblem::RoleBypasses {
                    attribute: "SUPERUSER",
                    ..
                },
                RlsProblem::RoleOwnsTable { .. },
                RlsProblem::RoleOwnsTable { .. },
            ]
        ),
        "{as_superuser:?}"
    );

    // A stray permissive policy is OR-ed with ours and opens the table.
    sqlx::query("CREATE POLICY everyone ON tasks USING (true)")
        .execute(db.pool())
        .await?;
    sqlx::query("ALTER TABLE projects NO FORCE ROW LEVEL SECURITY")
        .execute(db.pool())
        .await?;
    let after = rls::verify_rls(&app.pool, &catalog).await?;
    assert_eq!(
        after,
        vec![
            RlsProblem::NotForced(TableName::parse("projects")?),
            RlsProblem::PermissivePolicy {
                table: tasks,
                policy: "everyone".into()
            },
        ]
    );
    app.drop_role().await?;
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn a_raw_unscoped_query_through_the_app_role_sees_no_other_tenant() -> TestResult {
    let db = database().await?;
    rls::apply(db.pool(), &catalog(), TenantKeyKind::Int).await?;
    let app = AppRole::create(&db).await?;

    // No setting at all: the policy compares with NULL and lets nothing through.
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&app.pool)
        .await?;
    assert_eq!(visible, 0);

    // A raw statement that forgot the tenant filter, inside a transaction set for tenant 2,
    // still sees tenant 2 only, and cannot write rows of tenant 1.
    let mut tx = app.pool.begin().await?;
    sqlx::query("SELECT set_config('tenancy.tenant_id', '2', true)")
        .execute(&mut *tx)
        .await?;
    let tenants: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT tenant_id FROM tasks")
        .fetch_all(&mut *tx)
        .await?;
    assert_eq!(tenants, vec![2]);
    let forged = sqlx::query("INSERT INTO projects (tenant_id, id, name) VALUES (1, 77, 'forged')")
        .execute(&mut *tx)
        .await;
    assert!(
        forged.is_err(),
        "WITH CHECK must refuse another tenant's row"
    );
    drop(tx);

    let owner_count: i64 = sqlx::query_scalar("SELECT count(*) FROM projects WHERE id = 77")
        .fetch_one(db.pool())
        .await?;
    assert_eq!(owner_count, 0);
    app.drop_role().await?;
    db.cleanup().await?;
    Ok(())
}

/// 64 tasks × 1,000 iterations with random tenants on one 16-connection pool: every scoped read
/// returns only the task's tenant, and a raw read on the same pool right after sees nothing —
/// no connection carries a tenant into its next checkout.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_connection_carries_a_tenant_into_another_checkout() -> TestResult {
    const TASKS: usize = 64;
    const ITERATIONS: usize = 1_000;
    let db = database().await?;
    rls::apply(db.pool(), &catalog(), TenantKeyKind::Int).await?;
    let app = AppRole::create(&db).await?;
    let scoped =
        Arc::new(TenantPool::new(app.pool.clone(), catalog()).with_row_level_security(true));

    let mut handles = Vec::with_capacity(TASKS);
    for _ in 0..TASKS {
        let scoped = Arc::clone(&scoped);
        let raw = app.pool.clone();
        handles.push(tokio::spawn(async move {
            let mut foreign_rows = 0_usize;
            let mut raw_rows = 0_usize;
            for _ in 0..ITERATIONS {
                let tenant = TENANTS[rand::random_range(0..TENANTS.len())];
                let seen: Vec<i64> = context::scope(TenantId::Int(tenant), async {
                    sqlx::query_scalar("SELECT tenant_id FROM tasks WHERE id <= 3")
                        .fetch_all(&*scoped)
                        .await
                })
                .await?;
                assert_eq!(seen.len(), 3);
                foreign_rows += seen.iter().filter(|t| **t != tenant).count();
                let leaked: Vec<i64> = sqlx::query_scalar("SELECT tenant_id FROM tasks")
                    .fetch_all(&raw)
                    .await?;
                raw_rows += leaked.len();
            }
            Ok::<_, sqlx::Error>((foreign_rows, raw_rows))
        }));
    }
    let mut totals = (0, 0);
    for handle in handles {
        let (foreign, raw) = handle.await??;
        totals.0 += foreign;
        totals.1 += raw;
    }
    assert_eq!(
        totals,
        (0, 0),
        "(rows of other tenants, rows seen without a tenant)"
    );
    app.drop_role().await?;
    db.cleanup().await?;
    Ok(())
}
