//! `tenancy distribute`: distribute every catalog table on Citus, in dependency order.

use std::io::Write;
use std::process::ExitCode;

use tenancy_sqlx::citus::{Citus, OnPlainPostgres, plan_distribution};

use crate::cli::DistributeArgs;
use crate::commands::{cluster_inputs, connect, runtime};
use crate::error::Error;

/// Runs the command: prints the plan, applies it unless `--dry-run`.
pub(crate) fn run(args: &DistributeArgs) -> Result<ExitCode, Error> {
    let (catalog, options) = cluster_inputs(&args.cluster)?;
    runtime()?.block_on(async {
        let pool = connect(&args.cluster.database_url).await?;
        // Refuses with the readiness report while anything blocks distribution.
        let plan = plan_distribution(&pool, &catalog, &options).await?;
        let mut out = std::io::stdout().lock();
        if args.dry_run {
            for step in plan.steps() {
                writeln!(out, "{};", step.sql()).map_err(Error::Write)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        let on_plain = if args.strict {
            OnPlainPostgres::Error
        } else {
            OnPlainPostgres::Warn
        };
        let report = plan
            .apply(&Citus::new(pool).on_plain_postgres(on_plain))
            .await?;
        writeln!(out, "{report}").map_err(Error::Write)?;
        Ok(ExitCode::SUCCESS)
    })
}
