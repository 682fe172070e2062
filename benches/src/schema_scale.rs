//! Tenant creation and migration time for 1,000 tenant schemas against shared-table mode, in one
//! run on the same server (issue 3's measurement; recorded in `docs/performance.md`).
//!
//! ```text
//! cargo run --release -p tenancy-benches --bin schema-scale [-- TENANTS]
//! ```
//!
//! Schema mode creates each tenant by cloning a migrated template schema (with its migration records), then migrates every
//! schema with one more migration (8 schemas at a time). Shared-table mode creates a tenant by
//! inserting its row, and migrates by running the same migration once. Needs PostgreSQL
//! (tenancy-testing's resolution); the database is dropped afterwards.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use sqlx::migrate::{Migration, MigrationType, Migrator};
use tenancy_core::TenantId;
use tenancy_sqlx::schema_mode::{CloneOptions, SchemaName, SchemaTenancy, migrate};
use tenancy_testing::TestDatabase;

const BASE: &str = "
CREATE TABLE projects (id bigserial PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE tasks (id bigserial PRIMARY KEY, project_id bigint NOT NULL REFERENCES projects (id),
                    title text NOT NULL, done boolean NOT NULL DEFAULT false);
CREATE INDEX ON tasks (project_id);
";
const SHARED_BASE: &str = "
CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (tenant_id bigint NOT NULL REFERENCES accounts (id), id bigserial,
                       name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (tenant_id bigint NOT NULL, id bigserial, project_id bigint NOT NULL,
                    title text NOT NULL, done boolean NOT NULL DEFAULT false, PRIMARY KEY (tenant_id, id),
                    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id));
CREATE INDEX ON tasks (tenant_id, project_id);
";
const ADD_COLUMN: &str =
    "ALTER TABLE tasks ADD COLUMN estimate_minutes integer; CREATE INDEX ON tasks (done);";

fn migration(version: i64, sql: &'static str) -> Migration {
    Migration::new(
        version,
        format!("m{version}").into(),
        MigrationType::Simple,
        sqlx::SqlSafeStr::into_sql_str(sql),
        false,
    )
}

async fn run(tenants: usize) -> Result<(), Box<dyn std::error::Error>> {
    let db = TestDatabase::create().await?;
    let pool = db.pool();
    let tenancy = SchemaTenancy::new(pool.clone());
    let options = pool.connect_options();

    // Schema mode: a migrated template, cloned per tenant.
    let template = SchemaName::new("tenant_template")?;
    tenancy.create_schema(&template).await?;
    let base = migrate::migrate_schemas(
        &options,
        Migrator::with_migrations(vec![migration(1, BASE)]),
        std::slice::from_ref(&template),
        1,
        |_, _| {},
    )
    .await;
    if !base.is_success() {
        return Err(format!("template migration failed: {base:?}").into());
    }
    let started = Instant::now();
    for i in 0..tenants {
        let schema = tenancy.schema_for(&TenantId::Int(i64::try_from(i)?))?;
        // With data: the template's `_sqlx_migrations` rows come along, so each clone starts at
        // the template's version.
        tenancy
            .clone_schema(&template, &schema, CloneOptions { data: true })
            .await?;
    }
    let schema_create = started.elapsed();
    let schemas: Vec<SchemaName> = tenancy
        .list_schemas()
        .await?
        .into_iter()
        .filter(|s| *s != template)
        .collect();
    let report = migrate::migrate_schemas(
        &options,
        Migrator::with_migrations(vec![migration(1, BASE), migration(2, ADD_COLUMN)]),
        &schemas,
        8,
        |_, _| {},
    )
    .await;
    if !report.is_success() {
        return Err(format!("{} schemas failed to migrate", report.failures().count()).into());
    }
    let schema_migrate = report.elapsed;

    // Shared-table mode: one set of tables, a row per tenant.
    sqlx::raw_sql(SHARED_BASE).execute(pool).await?;
    let started = Instant::now();
    for i in 0..tenants {
        sqlx::query("INSERT INTO accounts (id, name) VALUES ($1, $2)")
            .bind(i64::try_from(i)?)
            .bind(format!("tenant {i}"))
            .execute(pool)
            .await?;
    }
    let shared_create = started.elapsed();
    let started = Instant::now();
    sqlx::raw_sql(ADD_COLUMN).execute(pool).await?;
    let shared_migrate = started.elapsed();

    let per =
        |d: Duration| d.as_secs_f64() * 1e3 / f64::from(u32::try_from(tenants).unwrap_or(u32::MAX));
    println!("tenants: {tenants}");
    println!("| mode | create all tenants | per tenant | migrate all tenants |");
    println!("| --- | ---: | ---: | ---: |");
    println!(
        "| schema per tenant (clone template, migrate 8 at a time) | {:.2} s | {:.2} ms | {:.2} s |",
        schema_create.as_secs_f64(),
        per(schema_create),
        schema_migrate.as_secs_f64()
    );
    println!(
        "| shared tables (insert tenant row, migrate once) | {:.3} s | {:.3} ms | {:.3} s |",
        shared_create.as_secs_f64(),
        per(shared_create),
        shared_migrate.as_secs_f64()
    );
    println!(
        "ratios schema/shared: create {:.0}x, migrate {:.0}x",
        schema_create.as_secs_f64() / shared_create.as_secs_f64(),
        schema_migrate.as_secs_f64() / shared_migrate.as_secs_f64()
    );
    db.cleanup().await?;
    Ok(())
}

fn main() -> ExitCode {
    let tenants = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tokio runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(tenants)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("schema-scale failed: {e}");
            ExitCode::FAILURE
        }
    }
}
