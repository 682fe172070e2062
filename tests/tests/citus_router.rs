//! The differential corpus on a real Citus cluster (`CITUS_URL`): the shared database is
//! distributed by tenant, and every rewritten statement must both behave like the original on
//! the tenant's isolated database and be a Citus router query (each step on one shard).
//! Skipped, with a message, when `CITUS_URL` is not set.

use tenancy_tests::corpus::CASES;
use tenancy_tests::differential::{BoxError, Fixture, Mode, Verdict};
use tenancy_tests::schema::TENANTS;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewritten_statements_are_router_queries_with_isolated_results_on_citus()
-> Result<(), BoxError> {
    let test = "rewritten_statements_are_router_queries_with_isolated_results_on_citus";
    let Some(fixture) = Fixture::create_on_citus(test).await? else {
        return Ok(());
    };
    let (mut same, mut refused, mut unsupported, mut failures) = (0, 0, Vec::new(), Vec::new());
    for case in CASES {
        for tenant in TENANTS {
            match fixture.run(case, tenant, Mode::Placeholder).await {
                Ok(Verdict::Same) => same += 1,
                Ok(Verdict::Refused) => refused += 1,
                Ok(Verdict::CitusUnsupported) => unsupported.push(case.sql),
                Err(reason) => {
                    failures.push(format!("[tenant {tenant}] {}\n    {reason}", case.sql));
                }
            }
        }
    }
    fixture.cleanup().await?;
    println!(
        "Citus: {} statements x {} tenants: {same} equal and router, {refused} refused as \
         specified, {} not supported by Citus itself (the original fails alike), {} failed",
        CASES.len(),
        TENANTS.len(),
        unsupported.len(),
        failures.len()
    );
    unsupported.dedup();
    for sql in &unsupported {
        println!("NOT SUPPORTED BY CITUS {sql}");
    }
    for failure in &failures {
        println!("FAIL {failure}");
    }
    assert!(
        failures.is_empty(),
        "{} runs failed on Citus",
        failures.len()
    );
    // Only statements Citus itself cannot run may be set aside, and only a few of them.
    assert!(
        unsupported.len() <= 2,
        "too many statements Citus cannot run: {unsupported:?}"
    );
    Ok(())
}
