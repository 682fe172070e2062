//! Citus: distribute a tenant-scoped schema by tenant, and find what stops it first.
//!
//! - [`Citus`]: `create_distributed_table` (colocated with the tenant table),
//!   `create_reference_table`, `undistribute_table`, `alter_distributed_table`,
//!   `isolate_tenant_to_new_shard`, `citus_add_node` and rebalancing. Every call reads Citus'
//!   metadata first and does nothing when the cluster is already as asked, so it is safe at every
//!   start-up. On plain PostgreSQL it logs a warning and does nothing, or fails
//!   ([`OnPlainPostgres`]): one application runs on both.
//! - [`check_readiness`]: everything Citus would refuse — keys and foreign keys without the
//!   tenant column, tables not colocated, statements that change a row's tenant — each with the
//!   SQL that fixes it, in a [`ReadinessReport`] whose `Display` is the `tenancy check` output.
//! - [`plan_distribution`]: the ordered `create_*_table` calls for a whole catalog
//!   (`tenancy distribute`), applied with [`DistributionPlan::apply`].
//! - [`ddl`]: the exact SQL of each call, for migrations and dry runs.
//!
//! # Example
//! ```no_run
//! use tenancy_sqlx::citus::{check_readiness, plan_distribution, Citus, ReadinessOptions};
//! use tenancy_sqlx::core::Catalog;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let pool = sqlx::PgPool::connect("postgres://postgres@127.0.0.1:9700/app").await?;
//! let catalog = Catalog::builder()
//!     .tenant_table_by("accounts", "id")
//!     .tenant_table("tasks")
//!     .reference_table("plans")
//!     .build()?;
//! let report = check_readiness(&pool, &catalog, &ReadinessOptions::default()).await?;
//! if !report.is_ready() {
//!     eprintln!("{report}");
//!     return Ok(());
//! }
//! let plan = plan_distribution(&pool, &catalog, &ReadinessOptions::default()).await?;
//! println!("{}", plan.apply(&Citus::new(pool)).await?);
//! # Ok(()) }
//! ```

mod cluster;
pub mod ddl;
mod metadata;
mod plan;
mod readiness;
mod report;
mod schema;
mod statements;

pub use cluster::{Citus, OnPlainPostgres, Outcome};
pub use ddl::{Alteration, ShardTransferMode};
pub use plan::{DistributionPlan, DistributionReport, PlanStep, plan_distribution};
pub use readiness::{ReadinessOptions, check_readiness};
pub use report::{Finding, FindingKind, Fix, FixPhase, ReadinessReport, Severity};
pub use statements::{SourceStatement, distribution_column_updates};
