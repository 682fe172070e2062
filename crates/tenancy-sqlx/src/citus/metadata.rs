//! Reading Citus' metadata: how a table is distributed, nodes, shards, rebalance jobs.
//!
//! Only called after [`has_citus`] said yes: the `pg_dist_*` tables exist only with the extension.

use std::fmt;

use sqlx::PgPool;
use tenancy_core::{TableName, TenantId};

use crate::error::Error;

/// How Citus holds a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Distribution {
    /// Not in `pg_dist_partition`: a regular table on the coordinator.
    Local,
    /// Hash-distributed by `column`, in colocation group `colocation_id`.
    Hash { column: String, colocation_id: i32 },
    /// A reference table (replicated to every node).
    Reference,
    /// A local table Citus added to its metadata (it has a foreign key to a reference table);
    /// `create_distributed_table` and `create_reference_table` take it as it is.
    CitusLocal,
    /// Anything else: a Citus-managed local table, a single-shard or append/range table.
    Other { method: String },
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local => f.write_str("a local table"),
            Self::Hash { column, .. } => write!(f, "distributed by {column}"),
            Self::Reference => f.write_str("a reference table"),
            Self::CitusLocal => f.write_str("a Citus-managed local table"),
            Self::Other { method } => write!(f, "a Citus table of kind {method}"),
        }
    }
}

/// Whether the `citus` extension is installed in the connected database.
pub(crate) async fn has_citus(pool: &PgPool) -> Result<bool, Error> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus')",
    )
    .fetch_one(pool)
    .await?)
}

/// `pg_dist_partition` for `table`; a table that does not exist is reported as local (the
/// Citus call that follows names it in its own error).
pub(crate) async fn distribution(pool: &PgPool, table: &TableName) -> Result<Distribution, Error> {
    let row: Option<(String, String, Option<String>, i32)> = sqlx::query_as(
        "SELECT p.partmethod::text, p.repmodel::text, \
                CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END, \
                p.colocationid \
         FROM pg_dist_partition p \
         JOIN pg_class c ON c.oid = p.logicalrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2",
    )
    .bind(table.schema())
    .bind(table.name())
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => Distribution::Local,
        Some((method, _, Some(column), colocation_id)) if method == "h" => Distribution::Hash {
            column,
            colocation_id,
        },
        // Citus-managed local tables and single-shard tables share 'n' but replicate as 's'.
        Some((method, repmodel, _, _)) if method == "n" && repmodel == "t" => {
            Distribution::Reference
        }
        // Single-shard tables also use 'n'/'s' but belong to a colocation group.
        Some((method, repmodel, _, 0)) if method == "n" && repmodel == "s" => {
            Distribution::CitusLocal
        }
        Some((method, repmodel, _, _)) => Distribution::Other {
            method: format!("{method}/{repmodel}"),
        },
    })
}

/// The colocation group of `table`, if it is distributed.
pub(crate) async fn colocation_id(pool: &PgPool, table: &TableName) -> Result<Option<i32>, Error> {
    Ok(match distribution(pool, table).await? {
        Distribution::Hash { colocation_id, .. } => Some(colocation_id),
        _ => None,
    })
}

/// How many shards `table` has.
pub(crate) async fn shard_count(pool: &PgPool, table: &TableName) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM pg_dist_shard s \
         JOIN pg_class c ON c.oid = s.logicalrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2",
    )
    .bind(table.schema())
    .bind(table.name())
    .fetch_one(pool)
    .await?)
}

/// Whether the shard holding `tenant` covers exactly one hash value, i.e. only that tenant.
pub(crate) async fn tenant_is_isolated(
    pool: &PgPool,
    table: &TableName,
    tenant: &TenantId,
) -> Result<bool, Error> {
    Ok(sqlx::query_scalar(
        "SELECT s.shardminvalue = s.shardmaxvalue FROM pg_dist_shard s \
         WHERE s.shardid = get_shard_id_for_distribution_column($1::regclass, $2::text)",
    )
    .bind(table.to_string())
    .bind(tenant.to_string())
    .fetch_one(pool)
    .await?)
}

/// Whether `host:port` is in `pg_dist_node`.
pub(crate) async fn node_exists(pool: &PgPool, host: &str, port: u16) -> Result<bool, Error> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_dist_node WHERE nodename = $1 AND nodeport = $2)",
    )
    .bind(host)
    .bind(i32::from(port))
    .fetch_one(pool)
    .await?)
}

/// How many shard moves the default rebalance strategy would make now.
pub(crate) async fn planned_moves(pool: &PgPool) -> Result<i64, Error> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM get_rebalance_table_shards_plan()")
            .fetch_one(pool)
            .await?,
    )
}

/// The id of a rebalance job that has not finished, if any.
pub(crate) async fn running_rebalance(pool: &PgPool) -> Result<Option<i64>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT job_id FROM pg_dist_background_job \
         WHERE job_type = 'rebalance' AND state IN ('scheduled', 'running', 'cancelling', 'failing') \
         ORDER BY job_id DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?)
}
