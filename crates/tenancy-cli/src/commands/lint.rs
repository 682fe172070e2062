//! `tenancy lint`: every statement of a project, checked against the rewriter.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::LintArgs;
use crate::commands::load_rewriter;
use crate::error::{Error, one_line};
use crate::sources::{self, Found};

/// Runs the command: one line per refusal, then a summary.
pub(crate) fn run(args: &LintArgs) -> Result<ExitCode, Error> {
    let rewriter = load_rewriter(&args.catalog)?;
    let sources = sources::discover(&args.paths)?;

    let mut report = Vec::new();
    let mut checked = 0usize;
    for source in &sources {
        for found in sources::read(source)? {
            checked += 1;
            let refusal = match found {
                Found::Statement { line, sql } => {
                    rewriter.rewrite(&sql).err().map(|e| (line, e.to_string()))
                }
                Found::Unsplittable { line, reason } => Some((line, reason)),
            };
            if let Some((line, reason)) = refusal {
                report.push(format!(
                    "{}:{line}: {}",
                    source.path().display(),
                    one_line(&reason)
                ));
            }
        }
    }

    let mut stdout = std::io::stdout().lock();
    for line in &report {
        writeln!(stdout, "{line}").map_err(Error::Write)?;
    }
    writeln!(
        stdout,
        "{checked} statements checked, {} refused",
        report.len()
    )
    .map_err(Error::Write)?;
    Ok(if report.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
