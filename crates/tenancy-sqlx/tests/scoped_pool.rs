//! `TenantPool` and `TenantTransaction` against real PostgreSQL: every statement scoped.

mod common;

use common::{TENANTS, TestResult, catalog, database};
use tenancy_core::{TenantId, context};
use tenancy_sqlx::{Error, TenantPool};

#[tokio::test]
async fn query_query_as_and_query_scalar_see_only_the_scoped_tenant() -> TestResult {
    let db = database().await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());
    for tenant in TENANTS {
        let (tenant_ids, titles, count) = context::scope(TenantId::Int(tenant), async {
            let tenant_ids: Vec<i64> = sqlx::query_scalar("SELECT tenant_id FROM tasks")
                .fetch_all(&pool)
                .await?;
            let titles: Vec<(i64, String)> =
                sqlx::query_as("SELECT t.id, t.title FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.id <= $1 ORDER BY t.id")
                    .bind(2_i64)
                    .fetch_all(&pool)
                    .await?;
            let count: i64 = sqlx::query_scalar("SELECT count(*) FROM projects").fetch_one(&pool).await?;
            Ok::<_, sqlx::Error>((tenant_ids, titles, count))
        })
        .await?;
        assert_eq!(tenant_ids.len(), 10);
        assert!(tenant_ids.iter().all(|t| *t == tenant));
        assert_eq!(
            titles,
            vec![
                (1, format!("task 1 of {tenant}")),
                (2, format!("task 2 of {tenant}"))
            ]
        );
        assert_eq!(count, 2);
    }
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn writes_fill_in_and_stay_within_the_tenant() -> TestResult {
    let db = database().await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());
    context::scope(TenantId::Int(2), async {
        sqlx::query("INSERT INTO projects (id, name) VALUES ($1, $2)")
            .bind(9_i64)
            .bind("new")
            .execute(&pool)
            .await?;
        let done = sqlx::query("UPDATE tasks SET done = true WHERE project_id = 1")
            .execute(&pool)
            .await?;
        assert_eq!(done.rows_affected(), 5);
        let deleted = sqlx::query("DELETE FROM tasks WHERE id = 10")
            .execute(&pool)
            .await?;
        assert_eq!(deleted.rows_affected(), 1);
        Ok::<_, sqlx::Error>(())
    })
    .await?;
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT tenant_id, count(*) FILTER (WHERE done), count(*) FROM tasks GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(db.pool())
    .await?;
    // Tenant 2: tasks 3 and 9 were done, the even ones (project 1) became done, task 10 went.
    assert_eq!(rows, vec![(1, 3, 10), (2, 6, 9), (3, 3, 10)]);
    let new: Vec<i64> = sqlx::query_scalar("SELECT tenant_id FROM projects WHERE id = 9")
        .fetch_all(db.pool())
        .await?;
    assert_eq!(new, vec![2]);
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn without_a_tenant_nothing_is_sent() -> TestResult {
    let db = database().await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());
    let err = sqlx::query("DELETE FROM tasks")
        .execute(&pool)
        .await
        .expect_err("a statement outside a tenant scope must fail");
    assert!(matches!(
        Error::from_sqlx(&err),
        Some(Error::Scope(tenancy_core::Error::NoTenant))
    ));
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(db.pool())
        .await?;
    assert_eq!(left, 30);
    assert!(pool.begin().await.is_err());
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn refused_statements_and_miscounted_arguments_fail_before_sending() -> TestResult {
    let db = database().await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());
    context::scope(TenantId::Int(1), async {
        let err = sqlx::query("TRUNCATE tasks")
            .execute(&pool)
            .await
            .expect_err("TRUNCATE is refused");
        assert!(
            matches!(Error::from_sqlx(&err), Some(Error::Scope(_))),
            "{err}"
        );
        let err = sqlx::query("SELECT * FROM tasks WHERE id = $1")
            .bind(1_i64)
            .bind(2_i64)
            .fetch_all(&pool)
            .await
            .expect_err("an extra argument would shift the tenant parameter");
        assert!(
            matches!(
                Error::from_sqlx(&err),
                Some(Error::Scope(tenancy_core::Error::ArgumentCount {
                    expected: 1,
                    found: 2
                }))
            ),
            "{err}"
        );
        // Reference tables and table-less statements pass unchanged.
        let plans: i64 = sqlx::query_scalar("SELECT count(*) FROM plans")
            .fetch_one(&pool)
            .await?;
        assert_eq!(plans, 2);
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
    .await?;
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(db.pool())
        .await?;
    assert_eq!(left, 30);
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn a_transaction_keeps_its_tenant_and_rolls_back_on_drop() -> TestResult {
    let db = database().await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());
    context::scope(TenantId::Int(3), async {
        let mut tx = pool.begin().await?;
        assert_eq!(tx.tenant(), Some(&TenantId::Int(3)));
        sqlx::query("DELETE FROM tasks").execute(&mut tx).await?;
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
            .fetch_one(&mut tx)
            .await?;
        assert_eq!(left, 0);
        drop(tx);
        let mut tx = pool.begin().await?;
        sqlx::query("UPDATE projects SET name = 'renamed'")
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
    .await?;
    let per_tenant: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT p.tenant_id, count(*) FILTER (WHERE p.name = 'renamed'), \
                (SELECT count(*) FROM tasks t WHERE t.tenant_id = p.tenant_id) \
         FROM projects p GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(db.pool())
    .await?;
    assert_eq!(per_tenant, vec![(1, 0, 10), (2, 0, 10), (3, 2, 10)]);
    db.cleanup().await?;
    Ok(())
}

/// The `query!` family is checked at compile time against the unscoped schema (offline data in
/// `.sqlx/`) and runs scoped through `&TenantPool` like any other query.
#[tokio::test]
async fn query_macros_run_scoped() -> TestResult {
    let db = database().await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());
    for tenant in TENANTS {
        let rows = context::scope(TenantId::Int(tenant), async {
            sqlx::query!(
                "SELECT id, title, tenant_id FROM tasks WHERE id <= $1 ORDER BY id",
                2_i64
            )
            .fetch_all(&pool)
            .await
        })
        .await?;
        let seen: Vec<(i64, String, i64)> = rows
            .into_iter()
            .map(|r| (r.id, r.title, r.tenant_id))
            .collect();
        assert_eq!(
            seen,
            vec![
                (1, format!("task 1 of {tenant}"), tenant),
                (2, format!("task 2 of {tenant}"), tenant)
            ]
        );
        let open = context::scope(TenantId::Int(tenant), async {
            sqlx::query_scalar!("SELECT count(*) AS \"open!\" FROM tasks WHERE NOT done")
                .fetch_one(&pool)
                .await
        })
        .await?;
        assert_eq!(open, 7);
    }
    db.cleanup().await?;
    Ok(())
}
