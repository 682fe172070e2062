//! An isolated PostgreSQL database per test, for tenancy's own tests and for yours.
//!
//! - **Finds a server** in this order: `DATABASE_URL`; a `postgres` container when a Docker engine
//!   answers (feature `docker`, on by default); `postgres://postgres@127.0.0.1:5432` when it
//!   answers; otherwise an error that says how to provide one. Citus tests use `CITUS_URL` or a
//!   `citusdata/citus` container; their databases get the cluster's workers attached
//!   ([`TestDatabaseBuilder::citus`]). See [`Source`] and [`Environment`].
//! - **Creates a database per test** ([`TestDatabase`]) with a unique name, a pool and a URL, and
//!   drops it afterwards — with [`TestDatabase::cleanup`], or on `Drop` even when the test panics.
//!   Databases left by killed processes are swept after [`STALE_AFTER`].
//! - **Seeds tenants** ([`Seed`]): a schema script plus per-tenant rows for N tenants.
//!
//! # Example
//! ```no_run
//! use tenancy_testing::{Seed, TestDatabase};
//!
//! #[tokio::test]
//! async fn each_tenant_sees_its_rows() -> Result<(), Box<dyn std::error::Error>> {
//!     let db = TestDatabase::create().await?;
//!     db.seed(&Seed::new("CREATE TABLE notes (tenant_id bigint, body text)")
//!         .int_tenants(3)
//!         .per_tenant(|t, i| format!("INSERT INTO notes VALUES ({}, 'note #{i}')", t.to_sql_literal())))
//!         .await?;
//!     let n: i64 = sqlx::query_scalar("SELECT count(*) FROM notes").fetch_one(db.pool()).await?;
//!     assert_eq!(n, 3);
//!     db.cleanup().await?;
//!     Ok(())
//! }
//! ```
//!
//! Without Docker, build with `default-features = false` to skip the container client.
#![forbid(unsafe_code)]

mod citus;
mod database;
#[cfg(feature = "docker")]
mod docker;
mod environment;
mod error;
mod name;
mod probe;
mod resolve;
mod seed;
mod url;

pub use citus::CitusNode;
pub use database::{STALE_AFTER, TestDatabase, TestDatabaseBuilder};
#[cfg(feature = "docker")]
pub use docker::{CITUS_IMAGE, POSTGRES_IMAGE};
pub use environment::{DEFAULT_DOCKER_SOCKET, DockerEndpoint, Environment, LOCAL_URL};
pub use error::{Error, Result};
pub use name::{DATABASE_PREFIX, sweep_stale_databases};
pub use resolve::{Flavor, Source};
pub use seed::Seed;
