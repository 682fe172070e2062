//! The SQL text of every Citus call this module makes, as pure functions.
//!
//! Keeping generation apart from execution lets the exact statements be pinned by golden tests,
//! printed by `tenancy distribute --dry-run`, and pasted into a migration by hand. Table names are
//! passed to Citus as `regclass` text (`'public.tasks'`), so identifiers are quoted the way
//! PostgreSQL parses them and the whole name is then quoted as a string literal.

use tenancy_core::{TableName, TenantId};

/// How Citus moves shard data between nodes (`citus.shard_transfer_mode`).
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::ShardTransferMode;
/// assert_eq!(ShardTransferMode::default().as_sql(), "auto");
/// assert_eq!(ShardTransferMode::BlockWrites.as_sql(), "block_writes");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShardTransferMode {
    /// Logical replication when every table has a replica identity, else an error (Citus'
    /// default). Needs `wal_level = logical`.
    #[default]
    Auto,
    /// Logical replication, even for tables without a replica identity (they then reject
    /// `UPDATE`/`DELETE` while the move runs).
    ForceLogical,
    /// Copies while writes to the shard wait: works everywhere, pauses writes.
    BlockWrites,
}

impl ShardTransferMode {
    /// The value Citus expects.
    #[must_use]
    pub fn as_sql(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::ForceLogical => "force_logical",
            Self::BlockWrites => "block_writes",
        }
    }
}

/// Quotes `text` as a SQL string literal (`'` doubled).
///
/// # Example
/// ```
/// assert_eq!(tenancy_sqlx::citus::ddl::string_literal("it's"), "'it''s'");
/// ```
#[must_use]
pub fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `table` as a `regclass` argument: `'public.tasks'`, `'app."Tasks"'`.
///
/// # Example
/// ```
/// use tenancy_sqlx::{citus::ddl, core::TableName};
/// assert_eq!(ddl::regclass(&TableName::new("app", "Tasks")), "'app.\"Tasks\"'");
/// ```
#[must_use]
pub fn regclass(table: &TableName) -> String {
    string_literal(&table.to_string())
}

/// `SELECT create_distributed_table(...)`: shard `table` by `column`, colocated with
/// `colocate_with` (the tenant table) when given.
///
/// The column is passed as Citus reads it: the exact (folded) name, not an SQL identifier.
///
/// # Example
/// ```
/// use tenancy_sqlx::{citus::ddl, core::TableName};
///
/// let tasks = TableName::parse("tasks")?;
/// let accounts = TableName::parse("accounts")?;
/// assert_eq!(
///     ddl::create_distributed_table(&tasks, "tenant_id", Some(&accounts)),
///     "SELECT create_distributed_table('public.tasks', 'tenant_id', colocate_with => 'public.accounts')"
/// );
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[must_use]
pub fn create_distributed_table(
    table: &TableName,
    column: &str,
    colocate_with: Option<&TableName>,
) -> String {
    let colocation = colocate_with
        .map(|anchor| format!(", colocate_with => {}", regclass(anchor)))
        .unwrap_or_default();
    format!(
        "SELECT create_distributed_table({}, {}{colocation})",
        regclass(table),
        string_literal(column)
    )
}

/// `SELECT create_reference_table(...)`: a full copy of `table` on every node.
///
/// # Example
/// ```
/// use tenancy_sqlx::{citus::ddl, core::TableName};
/// assert_eq!(
///     ddl::create_reference_table(&TableName::parse("plans")?),
///     "SELECT create_reference_table('public.plans')"
/// );
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[must_use]
pub fn create_reference_table(table: &TableName) -> String {
    format!("SELECT create_reference_table({})", regclass(table))
}

/// `SELECT undistribute_table(...)`: back to a regular local table on the coordinator.
/// `cascade` also undistributes the tables connected to it by foreign keys.
///
/// # Example
/// ```
/// use tenancy_sqlx::{citus::ddl, core::TableName};
/// assert_eq!(
///     ddl::undistribute_table(&TableName::parse("tasks")?, true),
///     "SELECT undistribute_table('public.tasks', cascade_via_foreign_keys => true)"
/// );
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[must_use]
pub fn undistribute_table(table: &TableName, cascade: bool) -> String {
    if cascade {
        format!(
            "SELECT undistribute_table({}, cascade_via_foreign_keys => true)",
            regclass(table)
        )
    } else {
        format!("SELECT undistribute_table({})", regclass(table))
    }
}

/// What [`alter_distributed_table`] changes; unset fields stay as they are.
///
/// # Example
/// ```
/// use tenancy_sqlx::{citus::ddl::Alteration, core::TableName};
///
/// let change = Alteration::default()
///     .shard_count(64)
///     .colocate_with(TableName::parse("accounts")?);
/// assert!(!change.is_empty());
/// assert!(Alteration::default().is_empty());
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Alteration {
    pub(crate) distribution_column: Option<String>,
    pub(crate) shard_count: Option<u32>,
    pub(crate) colocate_with: Option<TableName>,
    pub(crate) cascade_to_colocated: Option<bool>,
}

impl Alteration {
    /// Re-shard by another column.
    pub fn distribution_column(mut self, column: impl Into<String>) -> Self {
        self.distribution_column = Some(column.into());
        self
    }

    /// Change the number of shards.
    pub fn shard_count(mut self, count: u32) -> Self {
        self.shard_count = Some(count);
        self
    }

    /// Move into the colocation group of `table`.
    pub fn colocate_with(mut self, table: TableName) -> Self {
        self.colocate_with = Some(table);
        self
    }

    /// Apply a shard-count change to every table colocated with this one too.
    pub fn cascade_to_colocated(mut self, cascade: bool) -> Self {
        self.cascade_to_colocated = Some(cascade);
        self
    }

    /// Whether nothing would change.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `SELECT alter_distributed_table(...)` with the named arguments `change` sets.
///
/// # Example
/// ```
/// use tenancy_sqlx::{citus::ddl::{self, Alteration}, core::TableName};
///
/// let sql = ddl::alter_distributed_table(
///     &TableName::parse("tasks")?,
///     &Alteration::default().distribution_column("tenant_id").colocate_with(TableName::parse("accounts")?),
/// );
/// assert_eq!(
///     sql,
///     "SELECT alter_distributed_table('public.tasks', distribution_column => 'tenant_id', \
///      colocate_with => 'public.accounts')"
/// );
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[must_use]
pub fn alter_distributed_table(table: &TableName, change: &Alteration) -> String {
    let mut args = vec![regclass(table)];
    if let Some(column) = &change.distribution_column {
        args.push(format!("distribution_column => {}", string_literal(column)));
    }
    if let Some(count) = change.shard_count {
        args.push(format!("shard_count => {count}"));
    }
    if let Some(anchor) = &change.colocate_with {
        args.push(format!("colocate_with => {}", regclass(anchor)));
    }
    if let Some(cascade) = change.cascade_to_colocated {
        args.push(format!("cascade_to_colocated => {cascade}"));
    }
    format!("SELECT alter_distributed_table({})", args.join(", "))
}

/// `SELECT isolate_tenant_to_new_shard(...)`: give one tenant's rows a shard of their own,
/// cascading to every colocated table (a tenant's rows always move together).
///
/// The tenant travels as text: Citus converts it to the distribution column's type itself.
///
/// # Example
/// ```
/// use tenancy_sqlx::{citus::{ddl, ShardTransferMode}, core::{TableName, TenantId}};
/// assert_eq!(
///     ddl::isolate_tenant_to_new_shard(
///         &TableName::parse("accounts")?,
///         &TenantId::Int(42),
///         ShardTransferMode::BlockWrites,
///     ),
///     "SELECT isolate_tenant_to_new_shard('public.accounts', '42'::text, cascade_option => 'CASCADE', \
///      shard_transfer_mode => 'block_writes')"
/// );
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[must_use]
pub fn isolate_tenant_to_new_shard(
    table: &TableName,
    tenant: &TenantId,
    mode: ShardTransferMode,
) -> String {
    format!(
        "SELECT isolate_tenant_to_new_shard({}, {}::text, cascade_option => 'CASCADE', \
         shard_transfer_mode => {})",
        regclass(table),
        string_literal(&tenant.to_string()),
        string_literal(mode.as_sql())
    )
}

/// `SELECT citus_add_node(...)`: add a worker at `host:port`.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::ddl;
/// assert_eq!(ddl::citus_add_node("10.0.0.7", 5432), "SELECT citus_add_node('10.0.0.7', 5432)");
/// ```
#[must_use]
pub fn citus_add_node(host: &str, port: u16) -> String {
    format!("SELECT citus_add_node({}, {port})", string_literal(host))
}

/// `SELECT rebalance_table_shards(...)`: move shards until nodes are balanced; returns when done.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::{ddl, ShardTransferMode};
/// assert_eq!(
///     ddl::rebalance_table_shards(ShardTransferMode::Auto),
///     "SELECT rebalance_table_shards(shard_transfer_mode => 'auto')"
/// );
/// ```
#[must_use]
pub fn rebalance_table_shards(mode: ShardTransferMode) -> String {
    format!(
        "SELECT rebalance_table_shards(shard_transfer_mode => {})",
        string_literal(mode.as_sql())
    )
}

/// `SELECT citus_rebalance_start(...)`: the same moves as a background job; returns its id.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::{ddl, ShardTransferMode};
/// assert_eq!(
///     ddl::citus_rebalance_start(ShardTransferMode::BlockWrites),
///     "SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')"
/// );
/// ```
#[must_use]
pub fn citus_rebalance_start(mode: ShardTransferMode) -> String {
    format!(
        "SELECT citus_rebalance_start(shard_transfer_mode => {})",
        string_literal(mode.as_sql())
    )
}
