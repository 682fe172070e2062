//! `tenancy cutover`: move tenants from their schemas to the shared tables (or back), one at a
//! time, each with a short write block.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use tenancy_core::TenantId;
use tenancy_sqlx::migration::{self, CutoverReport};

use crate::commands::migrate::Endpoints;
use crate::commands::runtime;
use crate::error::Error;

pub(crate) const CUTOVER_EXIT_CODES: &str = "\
Output: one line per tenant with its new home and how long its writes were blocked.

Exit codes:
  0  every tenant now lives in the requested home
  1  a tenant's copy is unfinished, verification failed while blocked (nothing was switched and
     writes resumed), or the database refused a step
  2  usage error, invalid catalog or no database connection

Examples:
  tenancy cutover 42 --source $OLD --target $NEW --catalog tenancy.toml
  tenancy cutover 42 --rollback --source $OLD --target $NEW --catalog tenancy.toml";

/// Arguments of `tenancy cutover`.
#[derive(Debug, Args)]
pub(crate) struct CutoverArgs {
    #[command(flatten)]
    pub(crate) endpoints: Endpoints,

    /// The tenants to move, in order.
    #[arg(required = true, value_name = "TENANT")]
    pub(crate) tenants: Vec<String>,

    /// Move the tenants back from the shared tables to their schemas.
    #[arg(long)]
    pub(crate) rollback: bool,
}

fn line(report: &CutoverReport) -> String {
    if !report.changed {
        return format!("{}: already in {}", report.tenant, report.home);
    }
    format!(
        "{}: now in {} (placement version {}), writes blocked {:.1} ms, {} changes caught up, \
         {} drained, verified {} tables",
        report.tenant,
        report.home,
        report.version,
        report.blocked.as_secs_f64() * 1000.0,
        report.caught_up,
        report.drained,
        report.check.as_ref().map_or(0, |c| c.tables.len()),
    )
}

/// Runs the command on a runtime of its own.
pub(crate) fn run(args: &CutoverArgs) -> Result<ExitCode, Error> {
    runtime()?.block_on(async {
        let session = args.endpoints.session(4).await?;
        for raw in &args.tenants {
            let tenant = match args.endpoints.tenant_kind {
                Some(kind) => TenantId::parse_as(raw, kind.into()),
                None => raw.parse(),
            }
            .map_err(|e| Error::Input(format!("tenant {raw:?}: {e}")))?;
            let report = if args.rollback {
                migration::rollback(&session.plan, &session.source, &session.target, &tenant)
                    .await?
            } else {
                migration::cutover(&session.plan, &session.source, &session.target, &tenant).await?
            };
            writeln!(std::io::stdout().lock(), "{}", line(&report)).map_err(Error::Write)?;
        }
        Ok(ExitCode::SUCCESS)
    })
}
