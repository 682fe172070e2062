//! One module per subcommand.

pub(crate) mod check;
pub(crate) mod cutover;
pub(crate) mod distribute;
pub(crate) mod lint;
pub(crate) mod migrate;
pub(crate) mod rewrite;
pub(crate) mod schemas;

use std::path::Path;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tenancy_core::{Catalog, Rewriter, TableName};
use tenancy_sqlx::citus::ReadinessOptions;

use crate::cli::ClusterArgs;
use crate::error::Error;

/// Loads the catalog file and builds a rewriter over it.
pub(crate) fn load_rewriter(path: &Path) -> Result<Rewriter, Error> {
    load_catalog(path).map(Rewriter::new)
}

/// A runtime for the commands that talk to a database.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Input(format!("cannot start the async runtime: {e}")))
}

/// A small pool on `url`; failing to connect is a usage error (exit 2), not a refusal.
pub(crate) async fn connect(url: &str) -> Result<PgPool, Error> {
    PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .map_err(|e| Error::Input(format!("cannot connect to the database: {e}")))
}

/// Loads and validates the catalog file.
pub(crate) fn load_catalog(path: &Path) -> Result<Catalog, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    Catalog::from_toml_str(&text).map_err(|source| Error::Catalog {
        path: path.to_owned(),
        source: Box::new(source),
    })
}

/// The catalog and readiness options `check` and `distribute` both start from.
pub(crate) fn cluster_inputs(args: &ClusterArgs) -> Result<(Catalog, ReadinessOptions), Error> {
    let catalog = load_catalog(&args.catalog)?;
    let mut options = ReadinessOptions::default();
    if let Some(table) = &args.tenant_table {
        options = options.tenant_table(
            TableName::parse(table).map_err(|e| Error::Input(format!("--tenant-table: {e}")))?,
        );
    }
    Ok((catalog, options))
}
