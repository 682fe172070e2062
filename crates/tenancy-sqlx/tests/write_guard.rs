//! Tenant values a statement writes itself, against real PostgreSQL: another tenant's value fails
//! with `TenantMismatch` (caught by the guard in SQL, read back from SQLSTATE 22P02) and writes
//! nothing; the own tenant's value works, and the other columns keep their types.

mod common;

use common::{TestResult, database};
use tenancy_core::{Catalog, TenantId, context};
use tenancy_sqlx::{Error, TenantPool};

const INSERT: &str = "INSERT INTO tasks (id, project_id, title, tenant_id) VALUES ($1, $2, $3, $4)";
const INSERT_RETURNING: &str =
    "INSERT INTO tasks (id, project_id, title, tenant_id) VALUES ($1, $2, $3, $4) RETURNING id";

fn catalog() -> Catalog {
    Catalog::builder()
        .tenant_table("projects")
        .tenant_table("tasks")
        .tenant_table("events")
        .reference_table("plans")
        .build()
        .expect("the test catalog is valid")
}

/// Whether `err` is the mismatch of tenant 2 written on `public.tasks` by tenant 1.
fn is_mismatch(err: &sqlx::Error) -> bool {
    match Error::from_sqlx(err) {
        Some(Error::Scope(tenancy_core::Error::TenantMismatch {
            table,
            expected,
            found,
        })) => table.to_string() == "public.tasks" && expected == "1" && found == "2",
        _ => false,
    }
}

async fn rows_with_id(db: &tenancy_testing::TestDatabase, id: i64) -> TestResult<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT tenant_id FROM tasks WHERE id = $1 ORDER BY 1")
            .bind(id)
            .fetch_all(db.pool())
            .await?,
    )
}

#[tokio::test]
async fn another_tenants_value_fails_with_tenant_mismatch_and_writes_nothing() -> TestResult {
    let db = database().await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());
    let rls_pool = pool.clone().with_row_level_security(true);
    context::scope(TenantId::Int(1), async {
        // Through the pool: execute (a stream inside sqlx) and fetch_one (fetch_optional).
        let err = sqlx::query(INSERT)
            .bind(100_i64)
            .bind(1_i64)
            .bind("forged")
            .bind(2_i64)
            .execute(&pool)
            .await
            .expect_err("tenant 2's row written by tenant 1");
        assert!(is_mismatch(&err), "{err:?}");
        let err = sqlx::query_scalar::<_, i64>(INSERT_RETURNING)
            .bind(101_i64)
            .bind(1_i64)
            .bind("forged")
            .bind(2_i64)
            .fetch_one(&pool)
            .await
            .expect_err("tenant 2's row written by tenant 1, RETURNING");
        assert!(is_mismatch(&err), "{err:?}");
        // Row-level-security mode runs each statement in a transaction of its own.
        let err = sqlx::query(INSERT)
            .bind(102_i64)
            .bind(1_i64)
            .bind("forged")
            .bind(2_i64)
            .execute(&rls_pool)
            .await
            .expect_err("tenant 2's row written by tenant 1 under RLS");
        assert!(is_mismatch(&err), "{err:?}");
        // Through a transaction.
        let mut tx = pool.begin().await?;
        let err = sqlx::query(INSERT)
            .bind(103_i64)
            .bind(1_i64)
            .bind("forged")
            .bind(2_i64)
            .execute(&mut tx)
            .await
            .expect_err("tenant 2's row written by tenant 1 in a transaction");
        assert!(is_mismatch(&err), "{err:?}");
        tx.rollback().await?;
        // UPDATE moving a row to another tenant.
        let err = sqlx::query("UPDATE tasks SET tenant_id = $1 WHERE id = $2")
            .bind(2_i64)
            .bind(1_i64)
            .execute(&pool)
            .await
            .expect_err("tenant 1's row moved to tenant 2");
        assert!(is_mismatch(&err), "{err:?}");
        let mut tx = pool.begin().await?;
        let err = sqlx::query("UPDATE tasks SET tenant_id = $1 WHERE id = $2")
            .bind(2_i64)
            .bind(1_i64)
            .fetch_all(&mut tx)
            .await
            .expect_err("tenant 1's row moved to tenant 2 in a transaction");
        assert!(is_mismatch(&err), "{err:?}");
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
    .await?;
    for id in 100..=103 {
        assert_eq!(rows_with_id(&db, id).await?, Vec::<i64>::new(), "id {id}");
    }
    assert_eq!(rows_with_id(&db, 1).await?, vec![1, 2, 3]);
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn the_own_tenants_value_is_written() -> TestResult {
    let db = database().await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());
    context::scope(TenantId::Int(1), async {
        sqlx::query(INSERT)
            .bind(100_i64)
            .bind(1_i64)
            .bind("own")
            .bind(1_i64)
            .execute(&pool)
            .await?;
        let mut tx = pool.begin().await?;
        sqlx::query(INSERT)
            .bind(101_i64)
            .bind(1_i64)
            .bind("own, in a transaction")
            .bind(1_i64)
            .execute(&mut tx)
            .await?;
        let moved = sqlx::query("UPDATE tasks SET tenant_id = $1 WHERE id = $2")
            .bind(1_i64)
            .bind(1_i64)
            .execute(&mut tx)
            .await?;
        assert_eq!(moved.rows_affected(), 1);
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })
    .await?;
    assert_eq!(rows_with_id(&db, 100).await?, vec![1]);
    assert_eq!(rows_with_id(&db, 101).await?, vec![1]);
    assert_eq!(rows_with_id(&db, 1).await?, vec![1, 2, 3]);
    db.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn typed_columns_keep_their_types_next_to_an_explicit_tenant() -> TestResult {
    let db = database().await?;
    sqlx::raw_sql(
        "CREATE TABLE events (tenant_id bigint NOT NULL, id bigint NOT NULL, day date,
                              at timestamptz, ref uuid, amount numeric(10, 2), payload jsonb,
                              addr inet, tags text[], PRIMARY KEY (tenant_id, id))",
    )
    .execute(db.pool())
    .await?;
    let pool = TenantPool::new(db.pool().clone(), catalog());
    context::scope(TenantId::Int(3), async {
        sqlx::query(
            "INSERT INTO events (id, day, at, ref, amount, payload, addr, tags, tenant_id)
             VALUES (1, '2024-01-01', '2024-01-01 12:30:00+00',
                     '6f1c2a4e-8d3b-4c1a-9e2f-0a1b2c3d4e5f', '12.5', '{\"a\": 1}', '10.0.0.1',
                     '{x,y}', $1),
                    (2, '2024-02-29', '2024-02-29 00:00:00+00',
                     '00000000-0000-0000-0000-000000000000', '0.01', '[1, \"b\"]', '::1',
                     '{}', $1)",
        )
        .bind(3_i64)
        .execute(&pool)
        .await
    })
    .await?;
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws(' | ', tenant_id, id, day,
                          to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), ref, amount,
                          payload, host(addr), tags)
         FROM events ORDER BY id",
    )
    .fetch_all(db.pool())
    .await?;
    assert_eq!(
        stored,
        vec![
            "3 | 1 | 2024-01-01 | 2024-01-01 12:30 | 6f1c2a4e-8d3b-4c1a-9e2f-0a1b2c3d4e5f | 12.50 \
             | {\"a\": 1} | 10.0.0.1 | {x,y}",
            "3 | 2 | 2024-02-29 | 2024-02-29 00:00 | 00000000-0000-0000-0000-000000000000 | 0.01 \
             | [1, \"b\"] | ::1 | {}",
        ]
    );
    db.cleanup().await?;
    Ok(())
}
