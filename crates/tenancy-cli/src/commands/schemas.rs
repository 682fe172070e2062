//! `tenancy schemas`: create, clone, rename, drop, list and migrate tenant schemas.

use std::io::Write;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use sqlx::migrate::Migrator;
use tenancy_sqlx::schema_mode::{CloneOptions, SchemaName, SchemaTenancy, migrate};

use crate::cli::{SchemasArgs, SchemasCommand};
use crate::commands::{connect, runtime};
use crate::error::Error;

/// Runs the command on a runtime of its own.
pub(crate) fn run(args: &SchemasArgs) -> Result<ExitCode, Error> {
    runtime()?.block_on(execute(args))
}

async fn execute(args: &SchemasArgs) -> Result<ExitCode, Error> {
    let pool = connect(&args.database_url).await?;
    let tenancy = SchemaTenancy::new(pool).with_prefix(&args.prefix);
    let mut out = std::io::stdout().lock();
    let say = |out: &mut std::io::StdoutLock<'_>, line: String| {
        writeln!(out, "{line}").map_err(Error::Write)
    };
    match &args.command {
        SchemasCommand::Create { schemas, template } => {
            for schema in names(schemas)? {
                match template {
                    Some(template) => {
                        let template = name(template)?;
                        tenancy
                            .clone_schema(&template, &schema, CloneOptions::default())
                            .await?;
                        say(&mut out, format!("created {schema} from {template}"))?;
                    }
                    None => {
                        tenancy.create_schema(&schema).await?;
                        say(&mut out, format!("created {schema}"))?;
                    }
                }
            }
        }
        SchemasCommand::Clone { from, to, data } => {
            let (from, to) = (name(from)?, name(to)?);
            tenancy
                .clone_schema(&from, &to, CloneOptions { data: *data })
                .await?;
            let what = if *data {
                "structure and rows"
            } else {
                "structure"
            };
            say(&mut out, format!("cloned {from} into {to} ({what})"))?;
        }
        SchemasCommand::Rename { from, to } => {
            let (from, to) = (name(from)?, name(to)?);
            tenancy.rename_schema(&from, &to).await?;
            say(&mut out, format!("renamed {from} to {to}"))?;
        }
        SchemasCommand::Drop { schemas, yes } => {
            if !yes {
                return Err(Error::Input(
                    "dropping a schema deletes the tenant's data: add --yes to confirm".into(),
                ));
            }
            for schema in names(schemas)? {
                tenancy.drop_schema(&schema).await?;
                say(&mut out, format!("dropped {schema}"))?;
            }
        }
        SchemasCommand::List => {
            for schema in tenancy.list_schemas().await? {
                say(&mut out, schema.to_string())?;
            }
        }
        SchemasCommand::Migrate {
            source,
            concurrency,
            schemas,
        } => {
            let migrator = Migrator::new(source.as_path())
                .await
                .map_err(|e| Error::Input(format!("migrations in {}: {e}", source.display())))?;
            let schemas = if schemas.is_empty() {
                tenancy.list_schemas().await?
            } else {
                names(schemas)?
            };
            return migrate_all(&tenancy, migrator, &schemas, *concurrency, &mut out).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn migrate_all(
    tenancy: &SchemaTenancy,
    migrator: Migrator,
    schemas: &[SchemaName],
    concurrency: usize,
    out: &mut std::io::StdoutLock<'_>,
) -> Result<ExitCode, Error> {
    let bar = ProgressBar::new(u64::try_from(schemas.len()).unwrap_or(u64::MAX));
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} schemas, {elapsed} elapsed, ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let options = tenancy.pool().connect_options();
    let report =
        migrate::migrate_schemas(&options, migrator, schemas, concurrency, |outcome, _| {
            bar.inc(1);
            if let Err(e) = &outcome.result {
                // Printed around the bar, and also when stderr is not a terminal (the bar is hidden).
                bar.suspend(|| eprintln!("FAILED {}: {e}", outcome.schema));
            }
        })
        .await;
    bar.finish_and_clear();
    let failed = report.failures().count();
    writeln!(
        out,
        "{} schemas migrated, {failed} failed, in {:.1} s{}",
        report.outcomes.len() - failed,
        report.elapsed.as_secs_f64(),
        if failed > 0 {
            "; fix the failures and run again to resume"
        } else {
            ""
        }
    )
    .map_err(Error::Write)?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn name(text: &str) -> Result<SchemaName, Error> {
    SchemaName::new(text).map_err(|e| Error::Input(e.to_string()))
}

fn names(texts: &[String]) -> Result<Vec<SchemaName>, Error> {
    texts.iter().map(|t| name(t)).collect()
}
