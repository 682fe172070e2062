//! `tenancy check`: what stops the schema from being distributed on Citus, and whether
//! row-level security walls off every tenant table.

use std::io::Write;
use std::process::ExitCode;

use tenancy_sqlx::citus::{SourceStatement, check_readiness};
use tenancy_sqlx::rls::verify_rls;

use crate::cli::CheckArgs;
use crate::commands::{cluster_inputs, connect, runtime};
use crate::error::Error;
use crate::sources::{self, Found};

/// Runs the command: exit 1 when anything blocks distribution (or RLS, with `--rls`).
pub(crate) fn run(args: &CheckArgs) -> Result<ExitCode, Error> {
    let (catalog, options) = cluster_inputs(&args.cluster)?;
    let options = options.statements(statements(args)?);
    runtime()?.block_on(async {
        let pool = connect(&args.cluster.database_url).await?;
        let report = check_readiness(&pool, &catalog, &options).await?;
        let mut out = std::io::stdout().lock();
        let mut ready = report.is_ready();
        if args.fix_script {
            for statement in report.fix_script() {
                writeln!(out, "{statement}").map_err(Error::Write)?;
            }
        } else {
            write!(out, "{report}").map_err(Error::Write)?;
        }
        if args.rls {
            let problems = verify_rls(&pool, &catalog).await?;
            for problem in &problems {
                writeln!(out, "rls: {problem}").map_err(Error::Write)?;
            }
            if problems.is_empty() {
                writeln!(out, "rls: every tenant table is walled off").map_err(Error::Write)?;
            }
            ready &= problems.is_empty();
        }
        Ok(if ready {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}

/// The statements of `--statements` paths, as `path:line` origins, for the write check.
fn statements(args: &CheckArgs) -> Result<Vec<SourceStatement>, Error> {
    if args.statements.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for source in sources::discover(&args.statements)? {
        for item in sources::read(&source)? {
            if let Found::Statement { line, sql } = item {
                found.push(SourceStatement::new(
                    format!("{}:{line}", source.path().display()),
                    sql,
                ));
            }
        }
    }
    Ok(found)
}
