//! The `tenancy` command line tool: show how a statement is scoped to a tenant, and lint a
//! project's SQL for statements the rewriter would refuse.
//!
//! See `docs/cli.md` for the commands, their contract and their exit codes.

mod cli;
mod commands;
mod error;
mod sources;
mod split;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Rewrite(args) => commands::rewrite::run(&args),
        Command::Lint(args) => commands::lint::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::Distribute(args) => commands::distribute::run(&args),
        Command::Schemas(args) => commands::schemas::run(&args),
        Command::Migrate(args) => commands::migrate::run(&args),
        Command::Cutover(args) => commands::cutover::run(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("tenancy: {}", error.one_line());
            error.exit_code()
        }
    }
}
