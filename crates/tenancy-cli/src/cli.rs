//! The command line surface: arguments, help texts and documented exit codes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tenancy_core::TenantKeyKind;

const TOP_EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a statement was refused (rewrite) or refusals were found (lint)
  2  usage error, unreadable file or invalid catalog";

const REWRITE_EXIT_CODES: &str = "\
Exit codes:
  0  the rewritten statement is on stdout
  1  the statement is refused (statement kind, unknown table, forged tenant, parse error);
     one line on stderr says why, stdout stays empty
  2  usage error, unreadable input, empty input or invalid catalog; stdout stays empty

Example:
  tenancy rewrite --catalog examples/catalog.toml < examples/statements/tasks_by_project.sql";

const LINT_EXIT_CODES: &str = "\
Output: one `path:line: reason` line per refused statement, then
`N statements checked, M refused`.

Exit codes:
  0  every statement can be scoped
  1  at least one statement would be refused
  2  usage error, unreadable path, malformed sqlx query file or invalid catalog

Example:
  tenancy lint --catalog tenancy.toml migrations/ queries/ .sqlx/";

/// Scope SQL to one tenant, fail-closed: explain rewrites and lint a project's queries.
#[derive(Debug, Parser)]
#[command(name = "tenancy", version, after_help = TOP_EXIT_CODES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Read one SQL statement on stdin and print it scoped to the tenant.
    ///
    /// The tenant is the bind parameter `$N` (N = 1 + the highest `$k` in the statement), or with
    /// `--tenant` a quoted SQL literal. A statement that touches no tenant table is printed
    /// unchanged.
    #[command(after_help = REWRITE_EXIT_CODES)]
    Rewrite(RewriteArgs),

    /// Report every statement in `.sql` files and sqlx offline data that would be refused.
    ///
    /// Directories are walked recursively; `.sql` files are split into statements, and
    /// `.sqlx/query-*.json` files contribute their `query`.
    #[command(after_help = LINT_EXIT_CODES)]
    Lint(LintArgs),

    /// Report everything that stops the schema from being distributed by tenant on Citus, with
    /// the SQL that fixes it; optionally verify row-level security.
    #[command(after_help = CHECK_EXIT_CODES)]
    Check(CheckArgs),

    /// Distribute every catalog table on Citus: reference tables, then the tenant table, then
    /// the other tenant tables colocated with it. Idempotent.
    #[command(after_help = DISTRIBUTE_EXIT_CODES)]
    Distribute(DistributeArgs),

    /// Manage schema-per-tenant databases: create, clone, rename, drop, list, migrate.
    #[command(after_help = SCHEMAS_EXIT_CODES)]
    Schemas(SchemasArgs),

    /// Move tenants from their schemas to shared tables: plan, copy, sync, verify.
    #[command(after_help = crate::commands::migrate::MIGRATE_EXIT_CODES)]
    Migrate(crate::commands::migrate::MigrateArgs),

    /// Switch tenants between their schema and the shared tables with a short write block.
    #[command(after_help = crate::commands::cutover::CUTOVER_EXIT_CODES)]
    Cutover(crate::commands::cutover::CutoverArgs),
}

const SCHEMAS_EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  the database refused an operation, or a schema failed to migrate (the others still ran)
  2  usage error, invalid schema name, unreadable migrations or no database connection

Examples:
  tenancy schemas create tenant_acme --template tenant_template
  tenancy schemas migrate --source migrations --concurrency 8
  tenancy schemas drop tenant_acme --yes";

const CHECK_EXIT_CODES: &str = "\
Exit codes:
  0  nothing blocks distribution (and, with --rls, row-level security walls off every tenant table)
  1  blockers were found; each comes with the SQL that fixes it (--fix-script prints only that)
  2  usage error, invalid catalog, unreadable statements or no database connection

Example:
  tenancy check --database-url postgres://localhost/app --catalog tenancy.toml --statements src/ .sqlx/";

const DISTRIBUTE_EXIT_CODES: &str = "\
Exit codes:
  0  every table is distributed as the catalog says (already-done steps are skipped)
  1  blockers remain (the readiness report is printed) or Citus refused a step
  2  usage error, invalid catalog or no database connection

Example:
  tenancy distribute --database-url postgres://localhost:9700/app --catalog tenancy.toml --dry-run";

/// The database, catalog and tenant table that `check` and `distribute` share.
#[derive(Debug, Args)]
pub(crate) struct ClusterArgs {
    /// The database to inspect (plain PostgreSQL before migrating, or Citus).
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub(crate) database_url: String,

    /// The catalog of tenant and reference tables (TOML).
    #[arg(long, value_name = "FILE")]
    pub(crate) catalog: PathBuf,

    /// The tenant table itself, which every tenant table is colocated with.
    #[arg(long, value_name = "TABLE")]
    pub(crate) tenant_table: Option<String>,
}

/// Arguments of `tenancy check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) cluster: ClusterArgs,

    /// `.sql` files, directories or `.sqlx/` query data to check for writes to the tenant column.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub(crate) statements: Vec<PathBuf>,

    /// Print only the ordered SQL that fixes every blocker.
    #[arg(long)]
    pub(crate) fix_script: bool,

    /// Also verify row-level security for the role of the connection.
    #[arg(long)]
    pub(crate) rls: bool,
}

/// Arguments of `tenancy distribute`.
#[derive(Debug, Args)]
pub(crate) struct DistributeArgs {
    #[command(flatten)]
    pub(crate) cluster: ClusterArgs,

    /// Print the plan's SQL without running it.
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Fail on plain PostgreSQL instead of warning and doing nothing.
    #[arg(long)]
    pub(crate) strict: bool,
}

/// Arguments of `tenancy schemas`.
#[derive(Debug, Args)]
pub(crate) struct SchemasArgs {
    /// The database holding the tenant schemas.
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub(crate) database_url: String,

    /// The prefix that marks tenant schemas (used by `list` and by `migrate` without names).
    #[arg(long, default_value = "tenant_", value_name = "PREFIX")]
    pub(crate) prefix: String,

    #[command(subcommand)]
    pub(crate) command: SchemasCommand,
}

/// What to do with tenant schemas.
#[derive(Debug, Subcommand)]
pub(crate) enum SchemasCommand {
    /// Create empty tenant schemas, or copies of a template schema's structure.
    Create {
        /// Schema names (lower-case letters, digits and `_`).
        #[arg(required = true, value_name = "SCHEMA")]
        schemas: Vec<String>,
        /// Copy the structure of this schema instead of creating empty ones.
        #[arg(long, value_name = "SCHEMA")]
        template: Option<String>,
    },
    /// Copy a schema's structure (tables, sequences, keys, views, functions, triggers).
    Clone {
        /// The schema to copy.
        from: String,
        /// The new schema.
        to: String,
        /// Copy the rows too.
        #[arg(long)]
        data: bool,
    },
    /// Rename a tenant schema.
    Rename {
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Drop tenant schemas and everything in them.
    Drop {
        /// Schema names.
        #[arg(required = true, value_name = "SCHEMA")]
        schemas: Vec<String>,
        /// Confirm that the schemas' data is to be deleted.
        #[arg(long)]
        yes: bool,
    },
    /// List the tenant schemas (names starting with the prefix).
    List,
    /// Apply a sqlx migration directory to every tenant schema (or the named ones) in parallel;
    /// failures are reported per schema and a second run resumes.
    Migrate {
        /// The migration directory (sqlx format: `<version>_<name>.sql`).
        #[arg(long, value_name = "DIR")]
        source: PathBuf,
        /// How many schemas to migrate at once.
        #[arg(long, default_value_t = 8, value_name = "N")]
        concurrency: usize,
        /// Only these schemas.
        #[arg(value_name = "SCHEMA")]
        schemas: Vec<String>,
    },
}

/// Arguments of `tenancy rewrite`.
#[derive(Debug, Args)]
pub(crate) struct RewriteArgs {
    /// The catalog of tenant and reference tables (TOML).
    #[arg(long, value_name = "CATALOG.toml")]
    pub(crate) catalog: PathBuf,

    /// Render this tenant as a SQL literal instead of the `$N` placeholder.
    #[arg(long, value_name = "VALUE")]
    pub(crate) tenant: Option<String>,

    /// How to read `--tenant`; by default an integer, else a UUID, else text.
    #[arg(long, value_enum, value_name = "KIND", requires = "tenant")]
    pub(crate) tenant_kind: Option<KeyKind>,
}

/// Arguments of `tenancy lint`.
#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// The catalog of tenant and reference tables (TOML).
    #[arg(long, value_name = "FILE")]
    pub(crate) catalog: PathBuf,

    /// Files or directories to check.
    #[arg(value_name = "PATH", required = true)]
    pub(crate) paths: Vec<PathBuf>,
}

/// The kind of tenant key `--tenant` names.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum KeyKind {
    /// A 64-bit integer key.
    Int,
    /// A UUID key.
    Uuid,
    /// A text key.
    Text,
}

impl From<KeyKind> for TenantKeyKind {
    fn from(kind: KeyKind) -> Self {
        match kind {
            KeyKind::Int => Self::Int,
            KeyKind::Uuid => Self::Uuid,
            KeyKind::Text => Self::Text,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
