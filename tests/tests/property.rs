//! Property: a generated SELECT rewritten for tenant T never returns another tenant's row, and
//! returns exactly what the original returns on T's isolated database.

use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use sqlx::AssertSqlSafe;
use tenancy_tests::differential::{BoxError, Fixture};
use tenancy_tests::generator::{build, choices};
use tenancy_tests::rows::sorted;
use tenancy_tests::schema::TENANTS;

const CASES: u32 = 256;

async fn check(fixture: &Fixture, sql: &str, tenant: i64) -> Result<(), String> {
    let isolated = fixture.isolated_for(tenant)?;
    let expected = sqlx::query(AssertSqlSafe(sql.to_owned()))
        .fetch_all(isolated.pool())
        .await
        .map_err(|e| format!("GENERATOR: original fails on the isolated database: {e}"))?;
    let rewritten = fixture
        .rewriter
        .rewrite(sql)
        .map_err(|e| format!("rewriter refused: {e}"))?;
    let mut query = sqlx::query(AssertSqlSafe(rewritten.to_string()));
    if rewritten.tenant_param().is_some() {
        query = query.bind(tenant);
    }
    let rows = query
        .fetch_all(fixture.shared.pool())
        .await
        .map_err(|e| format!("rewritten query fails: {e}; SQL: {rewritten}"))?;

    if let Some((other, tenants)) = foreign_tenant(&rows, tenant)? {
        return Err(format!(
            "LEAK: tenant {tenant} saw a row of tenant {other} ({tenants:?}); SQL: {rewritten}"
        ));
    }
    if sorted(&rows) != sorted(&expected) {
        return Err(format!(
            "no leak, but results differ from the isolated database ({} vs {} rows); SQL: {}",
            rows.len(),
            expected.len(),
            rewritten
        ));
    }
    Ok(())
}

/// A foreign tenant and the `tenants` array it appeared in.
type Foreign = (i64, Vec<Option<i64>>);

/// The first row naming a tenant other than `tenant` in its `tenants` column.
fn foreign_tenant(rows: &[sqlx::postgres::PgRow], tenant: i64) -> Result<Option<Foreign>, String> {
    for row in rows {
        let tenants: Vec<Option<i64>> =
            sqlx::Row::try_get(row, "tenants").map_err(|e| e.to_string())?;
        if let Some(other) = tenants.iter().flatten().find(|t| **t != tenant) {
            return Ok(Some((*other, tenants)));
        }
    }
    Ok(None)
}

/// Control: the leak check must fire when queries are not rewritten.
#[test]
fn the_leak_check_catches_unrewritten_queries() -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let fixture = Fixture::create().await?;
        let mut leaked = 0;
        for seed in 0..30_u32 {
            let numbers: Vec<u32> = (0..64)
                .map(|i| seed.wrapping_mul(2_654_435_761).rotate_left(i) ^ i)
                .collect();
            let rows = sqlx::query(AssertSqlSafe(build(&numbers)))
                .fetch_all(fixture.shared.pool())
                .await?;
            if foreign_tenant(&rows, 1)?.is_some() {
                leaked += 1;
            }
        }
        fixture.cleanup().await?;
        assert!(
            leaked >= 20,
            "only {leaked} of 30 unrewritten queries were caught leaking"
        );
        Ok(())
    })
}

#[test]
fn rewritten_selects_never_return_another_tenants_rows() -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let fixture = runtime.block_on(Fixture::create())?;
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let runs = std::cell::Cell::new(0_usize);
    let started = std::time::Instant::now();
    let result = runner.run(&choices(), |(numbers, tenant_index)| {
        let sql = build(&numbers);
        let tenant = TENANTS[tenant_index];
        runs.set(runs.get() + 1);
        runtime
            .block_on(check(&fixture, &sql, tenant))
            .map_err(|reason| {
                TestCaseError::fail(format!("tenant {tenant}: {reason}\n  generated: {sql}"))
            })
    });
    runtime.block_on(fixture.cleanup())?;
    println!(
        "property: {CASES} generated SELECTs ({} runs with shrinking) over 3 tenants in {:.1?}",
        runs.get(),
        started.elapsed()
    );
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(reason, (numbers, tenant_index))) => Err(format!(
            "minimal failing query (tenant {}): {}\n{reason}",
            TENANTS[tenant_index],
            build(&numbers)
        )
        .into()),
        Err(e) => Err(e.to_string().into()),
    }
}
