//! Goose load test of `examples/saas-reference`.
//!
//! Every simulated user signs up its own tenant (`POST /v1/signup` with a slug unique to the run),
//! then loops over a weighted mix of reads and writes on that tenant's projects and tasks with its
//! Bearer token, as fast as the server answers (no think time: the numbers are throughput).
//!
//! Goose owns the command line (`--host`, `--users`, `--run-time`, `--increase-rate`,
//! `--report-file`, ... see `--help`); the defaults here aim at the embedded default app on
//! `http://127.0.0.1:8080` with 16 users for 60 seconds. After goose's own report a short summary
//! prints requests/s and p50/p95/p99 of the steady-state mix (sign-ups excluded); set
//! `LOADTEST_SUMMARY_JSON=FILE` to also write it as JSON.
//!
//! ```text
//! cargo run --release --manifest-path examples/saas-loadtest/Cargo.toml -- \
//!     --host http://127.0.0.1:8080 --users 16 --increase-rate 16 --run-time 60s
//! ```

mod api;
mod scenario;
mod summary;

use std::process::ExitCode;

use goose::prelude::*;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("saas-loadtest: {error}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let metrics = GooseAttack::initialize()?
        .register_scenario(scenario::tenant_workload()?)
        .set_default(GooseDefault::Host, "http://127.0.0.1:8080")?
        .set_default(GooseDefault::Users, 16)?
        .set_default(GooseDefault::IncreaseRate, "16")?
        .set_default(GooseDefault::RunTime, 60)?
        .execute()
        .await?;

    let summary = summary::Summary::from_metrics(&metrics);
    println!("{summary}");
    if let Ok(path) = std::env::var("LOADTEST_SUMMARY_JSON") {
        std::fs::write(&path, serde_json::to_vec_pretty(&summary)?)
            .map_err(|e| format!("cannot write the summary to {path}: {e}"))?;
    }
    // A run where every tenant failed to sign up measured nothing; say so through the exit code.
    if summary.mix.requests == 0 {
        eprintln!(
            "saas-loadtest: no request of the mix completed; is the app running at --host, and did the sign-ups succeed (see the errors above)?"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
