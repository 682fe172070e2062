//! `tenancy migrate`: move tenant schemas into shared tables — plan, copy, sync, verify.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tenancy_sqlx::migration::{
    self, CopyOptions, MigrationPlan, SourceLayout, TenantSchema, VerifyReport,
};

use crate::cli::KeyKind;
use crate::commands::{load_catalog, runtime};
use crate::error::Error;

pub(crate) const MIGRATE_EXIT_CODES: &str = "\
Exit codes:
  0  done (and, when verified, every tenant and table matches)
  1  the plan has blockers, the database refused a step, or verification found differences
  2  usage error, invalid catalog or no database connection

Examples:
  tenancy migrate schemas-to-shared --source $OLD --target $NEW --catalog tenancy.toml --dry-run
  tenancy migrate schemas-to-shared --source $OLD --target $NEW --catalog tenancy.toml --concurrency 8
  tenancy migrate sync --source $OLD --target $NEW --catalog tenancy.toml --follow
  tenancy migrate verify --source $OLD --target $NEW --catalog tenancy.toml";

/// Arguments of `tenancy migrate`.
#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    #[command(subcommand)]
    pub(crate) command: MigrateCommand,
}

/// The migration steps.
#[derive(Debug, Subcommand)]
pub(crate) enum MigrateCommand {
    /// Plan, then copy every tenant schema into the shared tables (resumable: run it again after
    /// a crash), apply the changes captured meanwhile, and verify.
    SchemasToShared(CopyArgs),
    /// Apply captured changes to the shared tables and print the lag.
    Sync(SyncArgs),
    /// Compare row counts and checksums per tenant and table.
    Verify(Endpoints),
}

/// Where the tenants are and where they go.
#[derive(Debug, Args)]
pub(crate) struct Endpoints {
    /// The schema-per-tenant database.
    #[arg(
        long,
        env = "TENANCY_SOURCE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub(crate) source: String,

    /// The database with the shared tables (PostgreSQL or a Citus coordinator).
    #[arg(
        long,
        env = "TENANCY_TARGET_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub(crate) target: String,

    /// The catalog of the shared tables (TOML): it names each table's tenant column.
    #[arg(long, value_name = "FILE")]
    pub(crate) catalog: PathBuf,

    /// The prefix of tenant schemas; the rest of the name is the tenant id.
    #[arg(long, default_value = "tenant_", value_name = "PREFIX")]
    pub(crate) prefix: String,

    /// How to read tenant ids from schema names; by default an integer, else a UUID, else text.
    #[arg(long, value_enum, value_name = "KIND")]
    pub(crate) tenant_kind: Option<KeyKind>,

    /// The schema of the shared tables in the target.
    #[arg(long, default_value = "public", value_name = "SCHEMA")]
    pub(crate) target_schema: String,
}

/// Arguments of `tenancy migrate schemas-to-shared`.
#[derive(Debug, Args)]
pub(crate) struct CopyArgs {
    #[command(flatten)]
    pub(crate) endpoints: Endpoints,

    /// Print the plan and stop (exit 1 when it has blockers).
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Rows per batch (each batch is one target transaction with its checkpoint).
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub(crate) batch_rows: u64,

    /// Tenants copied at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub(crate) concurrency: usize,

    /// Skip the final verification.
    #[arg(long)]
    pub(crate) no_verify: bool,
}

/// Arguments of `tenancy migrate sync`.
#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    #[command(flatten)]
    pub(crate) endpoints: Endpoints,

    /// Keep applying changes until interrupted.
    #[arg(long)]
    pub(crate) follow: bool,

    /// Pause between rounds with --follow, in milliseconds.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pub(crate) interval_ms: u64,
}

/// Connected pools and the plan, shared by `migrate` and `cutover`.
pub(crate) struct Session {
    pub(crate) source: PgPool,
    pub(crate) target: PgPool,
    pub(crate) plan: MigrationPlan,
}

async fn pool(url: &str, size: u32, which: &str) -> Result<PgPool, Error> {
    PgPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await
        .map_err(|e| Error::Input(format!("cannot connect to the {which} database: {e}")))
}

impl Endpoints {
    /// Connects to both sides and plans.
    pub(crate) async fn session(&self, connections: u32) -> Result<Session, Error> {
        let catalog = load_catalog(&self.catalog)?;
        let source = pool(&self.source, connections, "source").await?;
        let target = pool(&self.target, connections, "target").await?;
        let mut layout = SourceLayout::new(&self.prefix).target_schema(&self.target_schema);
        if let Some(kind) = self.tenant_kind {
            layout = layout.tenant_kind(kind.into());
        }
        let plan = migration::plan_migration(&source, &target, &catalog, &layout).await?;
        Ok(Session {
            source,
            target,
            plan,
        })
    }
}

/// Runs the command on a runtime of its own.
pub(crate) fn run(args: &MigrateArgs) -> Result<ExitCode, Error> {
    runtime()?.block_on(async {
        match &args.command {
            MigrateCommand::SchemasToShared(copy) => schemas_to_shared(copy).await,
            MigrateCommand::Sync(sync) => follow(sync).await,
            MigrateCommand::Verify(endpoints) => {
                let session = endpoints.session(4).await?;
                session.plan.ensure_ready()?;
                let report =
                    migration::verify_all(&session.plan, &session.source, &session.target, 4)
                        .await?;
                print_verify(&report)
            }
        }
    })
}

fn say(line: &str) -> Result<(), Error> {
    writeln!(std::io::stdout().lock(), "{line}").map_err(Error::Write)
}

fn print_verify(report: &VerifyReport) -> Result<ExitCode, Error> {
    write!(std::io::stdout().lock(), "{report}").map_err(Error::Write)?;
    Ok(if report.is_equal() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn estimated_rows(session: &Session) -> Result<u64, Error> {
    let schemas: Vec<String> = session
        .plan
        .tenants
        .iter()
        .map(|t| t.schema.to_string())
        .collect();
    let rows: f64 = sqlx::query_scalar(
        "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::float8 FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1) AND c.relkind = 'r'",
    )
    .bind(&schemas)
    .fetch_one(&session.source)
    .await
    .map_err(tenancy_sqlx::Error::from)?;
    // An estimate for the bar only; the real count is printed at the end.
    Ok(format!("{rows:.0}").parse().unwrap_or(0))
}

async fn schemas_to_shared(args: &CopyArgs) -> Result<ExitCode, Error> {
    let connections = u32::try_from(args.concurrency)
        .unwrap_or(u32::MAX)
        .saturating_add(2);
    let session = args.endpoints.session(connections).await?;
    write!(std::io::stdout().lock(), "{}", session.plan).map_err(Error::Write)?;
    if args.dry_run {
        return Ok(if session.plan.is_ready() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    session.plan.ensure_ready()?;
    let bar = ProgressBar::new(estimated_rows(&session).await?);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {human_pos}/~{human_len} rows, {per_sec}, {elapsed} elapsed, ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress_bar = bar.clone();
    let progress: migration::Progress = Arc::new(move |_: &TenantSchema, rows: u64| {
        progress_bar.inc(rows);
    });
    let started = Instant::now();
    let options = CopyOptions::default()
        .batch_rows(args.batch_rows)
        .concurrency(args.concurrency);
    let copied = migration::copy_all(
        &session.plan,
        &session.source,
        &session.target,
        options,
        Some(progress),
    )
    .await;
    bar.finish_and_clear();
    let copied = copied?;
    let rows: u64 = copied.iter().map(|c| c.rows).sum();
    let seconds = started.elapsed().as_secs_f64();
    say(&format!(
        "copied {rows} rows of {} tenants in {seconds:.2}s ({:.0} rows/s)",
        copied.len(),
        if seconds > 0.0 {
            rows as f64 / seconds
        } else {
            0.0
        }
    ))?;
    let applied =
        migration::apply_changes(&session.plan, &session.source, &session.target, None, 1_000)
            .await?;
    let lag = migration::lag(&session.source, None).await?;
    say(&format!("applied {applied} captured changes; lag: {lag}"))?;
    if args.no_verify {
        return Ok(ExitCode::SUCCESS);
    }
    let report = migration::verify_all(
        &session.plan,
        &session.source,
        &session.target,
        args.concurrency,
    )
    .await?;
    print_verify(&report)
}

async fn follow(args: &SyncArgs) -> Result<ExitCode, Error> {
    let session = args.endpoints.session(4).await?;
    session.plan.ensure_ready()?;
    loop {
        let applied =
            migration::apply_changes(&session.plan, &session.source, &session.target, None, 1_000)
                .await?;
        let lag = migration::lag(&session.source, None).await?;
        say(&format!("applied {applied} changes; lag: {lag}"))?;
        if !args.follow {
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(Duration::from_millis(args.interval_ms)).await;
    }
}
