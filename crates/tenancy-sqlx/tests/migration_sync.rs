//! Live sync: writes to the tenant schemas during the copy and during the sync reach the shared
//! tables, in order, and every tenant verifies equal after its cutover.

mod migration_fixture;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use migration_fixture::{TestResult, catalog, seed_source, seed_target, target_duplicates};
use rand::RngExt;
use sqlx::PgPool;
use tenancy_sqlx::core::{TenantId, TenantKeyKind};
use tenancy_sqlx::migration::{
    CopyOptions, Home, Placement, SourceLayout, apply_changes, copy_all, cutover, lag,
    plan_migration, verify_all,
};
use tenancy_testing::TestDatabase;

const TENANTS: i64 = 12;

/// One random write to one tenant schema: inserts, updates, deletes and key changes.
async fn write_once(pool: &PgPool, n: i64, step: u64) -> Result<(), sqlx::Error> {
    let s = format!("tenant_{n}");
    let sql = match step % 6 {
        0 => format!("INSERT INTO {s}.projects (name, budget) VALUES ('live {step}', {step}.5)"),
        1 => format!(
            "INSERT INTO {s}.tasks (project_id, title, meta) VALUES (1, 'live {step}', '{{\"step\": {step}}}')"
        ),
        2 => format!(
            "UPDATE {s}.tasks SET done = NOT done, title = title || ' u{step}' WHERE id = 1 + {step} % 9"
        ),
        3 => format!(
            "INSERT INTO {s}.comments (id, task_id, body) VALUES (md5('live/{n}/{step}')::uuid, 2, E'x\\ty {step}')"
        ),
        4 => format!(
            "DELETE FROM {s}.comments WHERE id = (SELECT id FROM {s}.comments ORDER BY body, id LIMIT 1)"
        ),
        // A primary-key change: captured as a delete of the old key and an upsert of the new.
        _ => format!(
            "UPDATE {s}.comments SET id = md5(id::text || '{step}')::uuid
             WHERE id = (SELECT id FROM {s}.comments ORDER BY id DESC LIMIT 1)"
        ),
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(pool)
        .await?;
    Ok(())
}

fn spawn_writers(
    pool: &PgPool,
    stop: &Arc<AtomicBool>,
    writes: &Arc<AtomicU64>,
) -> Vec<tokio::task::JoinHandle<Result<(), sqlx::Error>>> {
    (0..3)
        .map(|w| {
            let (pool, stop, writes) = (pool.clone(), Arc::clone(stop), Arc::clone(writes));
            tokio::spawn(async move {
                let mut step = w * 1_000_000;
                while !stop.load(Ordering::Relaxed) {
                    let n = rand::rng().random_range(1..=TENANTS);
                    write_once(&pool, n, step).await?;
                    writes.fetch_add(1, Ordering::Relaxed);
                    step += 1;
                    // A busy application, not a flood: about 300 writes/s per writer.
                    tokio::time::sleep(Duration::from_millis(3)).await;
                }
                Ok(())
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_during_copy_and_sync_arrive_and_cutover_verifies() -> TestResult {
    let source = TestDatabase::builder().max_connections(10).create().await?;
    let target = TestDatabase::builder().max_connections(10).create().await?;
    seed_source(source.pool(), TENANTS).await?;
    seed_target(target.pool()).await?;
    let layout = SourceLayout::new("tenant_").tenant_kind(TenantKeyKind::Int);
    let plan = plan_migration(source.pool(), target.pool(), &catalog(), &layout).await?;
    assert!(plan.is_ready(), "{plan}");

    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicU64::new(0));
    // Writers start before the copy: a tenant's capture trigger is installed when its copy starts,
    // so early writes are simply part of the copied rows.
    let writers = spawn_writers(source.pool(), &stop, &writes);
    let options = CopyOptions::default().batch_rows(5).concurrency(3);
    copy_all(&plan, source.pool(), target.pool(), options, None).await?;
    let during_copy = writes.load(Ordering::Relaxed);

    // Sync while writers keep going.
    let mut applied = 0;
    for _ in 0..5 {
        applied += apply_changes(&plan, source.pool(), target.pool(), None, 50).await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pending = lag(source.pool(), None).await?;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await??;
    }
    let total_writes = writes.load(Ordering::Relaxed);
    assert!(
        during_copy > 10,
        "writers ran during the copy ({during_copy})"
    );
    assert!(applied > 0, "changes were applied while writers ran");
    println!(
        "{total_writes} writes ({during_copy} during the copy), {applied} changes applied live, lag then: {pending}"
    );

    applied += apply_changes(&plan, source.pool(), target.pool(), None, 50).await?;
    assert_eq!(lag(source.pool(), None).await?.pending, 0);
    let report = verify_all(&plan, source.pool(), target.pool(), 4).await?;
    assert!(report.is_equal(), "{report}");
    assert_eq!(target_duplicates(target.pool()).await?, 0);

    // Cut every tenant over; each cutover verifies under the write block.
    let placement = Placement::new(target.pool().clone()).with_ttl(Duration::ZERO);
    let mut worst = Duration::ZERO;
    for t in &plan.tenants {
        let r = cutover(&plan, source.pool(), target.pool(), &t.tenant).await?;
        assert!(r.changed && r.check.as_ref().is_some_and(|c| c.is_equal()));
        worst = worst.max(r.blocked);
        assert_eq!(placement.home(&t.tenant).await?, Home::Shared);
    }
    println!("{applied} changes applied in all; worst cutover pause {worst:?}");
    assert!(worst < Duration::from_secs(1), "cutover pause {worst:?}");

    // A cut-over schema refuses writes with TN001.
    let refused = write_once(source.pool(), 1, 1).await.expect_err("fenced");
    assert!(
        tenancy_sqlx::migration::is_tenant_moved(&refused),
        "{refused}"
    );
    // A second cutover is a no-op.
    let again = cutover(&plan, source.pool(), target.pool(), &TenantId::Int(1)).await?;
    assert!(!again.changed);
    source.cleanup().await?;
    target.cleanup().await?;
    Ok(())
}
