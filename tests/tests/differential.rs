//! Differential isolation: every corpus statement, for every tenant, in one mode per test.

use tenancy_tests::corpus::{CASES, Case, Param};
use tenancy_tests::differential::{BoxError, Fixture, Mode, Verdict};
use tenancy_tests::schema::TENANTS;

async fn differential(mode: Mode) -> Result<(), BoxError> {
    let fixture = Fixture::create().await?;
    let (mut same, mut refused, mut failures) = (0, 0, Vec::new());
    for case in CASES {
        for tenant in TENANTS {
            match fixture.run(case, tenant, mode).await {
                Ok(Verdict::Same) => same += 1,
                Ok(Verdict::Refused) => refused += 1,
                Ok(Verdict::CitusUnsupported) => {
                    failures.push(format!(
                        "[tenant {tenant}] {}: Citus verdict on PostgreSQL",
                        case.sql
                    ));
                }
                Err(reason) => {
                    failures.push(format!("[tenant {tenant}] {}\n    {reason}", case.sql));
                }
            }
        }
    }
    fixture.cleanup().await?;

    println!(
        "differential isolation, {mode} mode: {} statements x {} tenants = {} runs: \
         {same} equal, {refused} refused as specified, {} failed",
        CASES.len(),
        TENANTS.len(),
        CASES.len() * TENANTS.len(),
        failures.len()
    );
    for failure in &failures {
        println!("FAIL {failure}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} runs diverged in {mode} mode (listed above)",
        failures.len(),
        CASES.len() * TENANTS.len()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewritten_statements_match_the_isolated_tenant_placeholder_mode() -> Result<(), BoxError> {
    differential(Mode::Placeholder).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewritten_statements_match_the_isolated_tenant_literal_mode() -> Result<(), BoxError> {
    differential(Mode::Literal).await
}

/// The harness itself must be able to fail: without rewriting, every statement that names a
/// tenant table diverges for some tenant (the ids collide, the data differs) — except those that
/// scope themselves by binding their own tenant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_harness_catches_unscoped_statements() -> Result<(), BoxError> {
    const TENANT_TABLES: [&str; 8] = [
        "accounts",
        "users",
        "projects",
        "tasks",
        "comments",
        "tags",
        "task_tags",
        "Events",
    ];
    let names_tenant_table = |sql: &str| {
        sql.split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|word| TENANT_TABLES.contains(&word))
    };
    let fixture = Fixture::create().await?;
    let mut undetected = Vec::new();
    let self_scoped = |case: &Case| case.params.iter().any(|p| matches!(p, Param::OwnTenant));
    for case in CASES
        .iter()
        .filter(|c| names_tenant_table(c.sql) && !self_scoped(c))
    {
        let mut detected = false;
        for tenant in TENANTS {
            detected |= fixture.run(case, tenant, Mode::Unscoped).await.is_err();
        }
        if !detected {
            undetected.push(case.sql);
        }
    }
    fixture.cleanup().await?;
    assert!(undetected.is_empty(), "unscoped yet equal: {undetected:#?}");
    Ok(())
}
