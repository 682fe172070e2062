//! Proof against a real Citus cluster (`CITUS_URL`) that the readiness checker finds each blocker
//! before Citus does: for every scenario the checker reports the blocker, the naive distribution
//! fails with Citus' own error, and after the suggested fixes the checker is clean and the
//! planned distribution succeeds.

use tenancy_sqlx::citus::{
    Citus, FindingKind, ReadinessOptions, ShardTransferMode, SourceStatement, check_readiness,
    plan_distribution,
};
use tenancy_sqlx::core::{Catalog, TableName};
use tenancy_testing::TestDatabase;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// `None` (after saying so) when no Citus cluster is configured.
async fn citus_db(test: &str) -> TestResult<Option<TestDatabase>> {
    Ok(TestDatabase::builder()
        .citus()
        .max_connections(4)
        .create_or_skip(test)
        .await?)
}

struct Scenario {
    schema: &'static str,
    setup: &'static str,
    /// Extra catalog entries: (table, Some(tenant column) | None for reference).
    tables: &'static [(&'static str, Option<&'static str>)],
    expected: &'static [FindingKind],
    /// The naive distribution, run in order; one statement must fail with `citus_error`.
    attempt: &'static [&'static str],
    citus_error: &'static str,
    /// Catalog entries added after the fixes (a decision SQL cannot make).
    then_tables: &'static [(&'static str, Option<&'static str>)],
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        schema: "s_pk",
        setup: "CREATE TABLE s_pk.projects (id bigint PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES s_pk.accounts (id))",
        tables: &[("projects", Some("tenant_id"))],
        expected: &[FindingKind::KeyWithoutTenantColumn],
        attempt: &[
            "SELECT create_distributed_table('s_pk.projects', 'tenant_id', colocate_with => 's_pk.accounts')",
        ],
        citus_error: "UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column",
        then_tables: &[],
    },
    Scenario {
        schema: "s_unique",
        setup: "CREATE TABLE s_unique.projects (id bigint, tenant_id bigint NOT NULL, slug text, \
                PRIMARY KEY (tenant_id, id), CONSTRAINT projects_slug_key UNIQUE (slug)); \
                CREATE UNIQUE INDEX projects_lower_slug ON s_unique.projects (lower(slug))",
        tables: &[("projects", Some("tenant_id"))],
        expected: &[
            FindingKind::KeyWithoutTenantColumn,
            FindingKind::KeyWithoutTenantColumn,
        ],
        attempt: &[
            "SELECT create_distributed_table('s_unique.projects', 'tenant_id', colocate_with => 's_unique.accounts')",
        ],
        citus_error: "UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column",
        then_tables: &[],
    },
    Scenario {
        schema: "s_fk",
        setup: "CREATE TABLE s_fk.projects (id bigint PRIMARY KEY, tenant_id bigint NOT NULL); \
                CREATE TABLE s_fk.tasks (id bigint, tenant_id bigint NOT NULL, \
                  project_id bigint REFERENCES s_fk.projects (id), PRIMARY KEY (tenant_id, id))",
        tables: &[
            ("projects", Some("tenant_id")),
            ("tasks", Some("tenant_id")),
        ],
        expected: &[
            FindingKind::KeyWithoutTenantColumn,
            FindingKind::ForeignKeyWithoutTenantColumn,
        ],
        attempt: &[
            "SELECT create_distributed_table('s_fk.projects', 'tenant_id', colocate_with => 's_fk.accounts')",
        ],
        citus_error: "UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column",
        then_tables: &[],
    },
    Scenario {
        schema: "s_cross",
        setup: "CREATE TABLE s_cross.tasks (id bigint, tenant_id bigint NOT NULL, \
                  assignee bigint REFERENCES s_cross.accounts (id), PRIMARY KEY (tenant_id, id))",
        tables: &[("tasks", Some("tenant_id"))],
        expected: &[FindingKind::ForeignKeyWithoutTenantColumn],
        attempt: &[
            "SELECT create_distributed_table('s_cross.tasks', 'tenant_id', colocate_with => 's_cross.accounts')",
        ],
        citus_error: "in between two colocated tables including partition column in the same ordinal",
        then_tables: &[],
    },
    Scenario {
        schema: "s_local",
        setup: "CREATE TABLE s_local.users (id bigint PRIMARY KEY); \
                CREATE TABLE s_local.tasks (id bigint, tenant_id bigint NOT NULL, \
                  user_id bigint REFERENCES s_local.users (id), PRIMARY KEY (tenant_id, id))",
        tables: &[("tasks", Some("tenant_id"))],
        expected: &[FindingKind::ForeignKeyToUnknownTable],
        attempt: &[
            "SELECT create_distributed_table('s_local.tasks', 'tenant_id', colocate_with => 's_local.accounts')",
        ],
        citus_error: "must be a distributed table or a reference table",
        then_tables: &[("users", None)],
    },
    Scenario {
        schema: "s_ref",
        setup: "CREATE TABLE s_ref.plans (id bigint PRIMARY KEY, owner bigint REFERENCES s_ref.accounts (id))",
        tables: &[("plans", None)],
        expected: &[FindingKind::ForeignKeyIntoTenantTable],
        attempt: &["SELECT create_reference_table('s_ref.plans')"],
        citus_error: "foreign keys from reference tables and local tables to distributed tables are not supported",
        then_tables: &[],
    },
    Scenario {
        schema: "s_type",
        setup: "CREATE TABLE s_type.tasks (id bigint, tenant_id integer NOT NULL, PRIMARY KEY (tenant_id, id))",
        tables: &[("tasks", Some("tenant_id"))],
        expected: &[FindingKind::TenantColumnType],
        attempt: &[
            "SELECT create_distributed_table('s_type.tasks', 'tenant_id', colocate_with => 's_type.accounts')",
        ],
        citus_error: "cannot colocate tables accounts and tasks",
        then_tables: &[],
    },
    Scenario {
        schema: "s_action",
        setup: "CREATE TABLE s_action.tasks (id bigint, tenant_id bigint REFERENCES s_action.accounts (id) \
                  ON DELETE SET NULL, PRIMARY KEY (tenant_id, id))",
        tables: &[("tasks", Some("tenant_id"))],
        expected: &[FindingKind::ForeignKeyAction],
        attempt: &[
            "SELECT create_distributed_table('s_action.tasks', 'tenant_id', colocate_with => 's_action.accounts')",
        ],
        citus_error: "SET NULL or SET DEFAULT is not supported in ON DELETE operation",
        then_tables: &[],
    },
    Scenario {
        schema: "s_column",
        setup: "CREATE TABLE s_column.notes (id bigint PRIMARY KEY, body text)",
        tables: &[("notes", Some("tenant_id"))],
        expected: &[
            FindingKind::MissingTenantColumn,
            FindingKind::KeyWithoutTenantColumn,
        ],
        attempt: &[
            "SELECT create_distributed_table('s_column.notes', 'tenant_id', colocate_with => 's_column.accounts')",
        ],
        citus_error: "column \"tenant_id\" of relation \"notes\" does not exist",
        then_tables: &[],
    },
    Scenario {
        schema: "s_coloc",
        setup: "CREATE TABLE s_coloc.tasks (id bigint, tenant_id bigint NOT NULL, PRIMARY KEY (tenant_id, id)); \
                SELECT create_distributed_table('s_coloc.accounts', 'id'); \
                SELECT create_distributed_table('s_coloc.tasks', 'tenant_id', colocate_with => 'none')",
        tables: &[("tasks", Some("tenant_id"))],
        expected: &[FindingKind::NotColocated],
        attempt: &[
            "ALTER TABLE s_coloc.tasks ADD CONSTRAINT tasks_account FOREIGN KEY (tenant_id) REFERENCES s_coloc.accounts (id)",
        ],
        citus_error: "cannot create foreign key constraint since relations are not colocated or not referencing a reference table",
        then_tables: &[],
    },
];

fn catalog(schema: &str, groups: &[&[(&str, Option<&str>)]]) -> TestResult<Catalog> {
    let mut builder = Catalog::builder().tenant_table_by(&format!("{schema}.accounts"), "id");
    for (table, role) in groups.iter().flat_map(|g| g.iter()) {
        let name = format!("{schema}.{table}");
        builder = match role {
            Some(column) => builder.tenant_table_by(&name, column),
            None => builder.reference_table(&name),
        };
    }
    Ok(builder.build()?)
}

fn error_text(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => {
            let detail = db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .and_then(|e| e.detail())
                .unwrap_or_default();
            format!("{} / {detail}", db.message())
        }
        other => other.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checker_finds_every_blocker_before_citus_does() -> TestResult {
    let Some(cluster) = citus_db("checker_finds_every_blocker_before_citus_does").await? else {
        return Ok(());
    };
    let pool = cluster.pool().clone();
    let citus = Citus::new(pool.clone()).shard_transfer_mode(ShardTransferMode::BlockWrites);
    for scenario in SCENARIOS {
        let schema = scenario.schema;
        let setup = format!(
            "CREATE SCHEMA {schema}; CREATE TABLE {schema}.accounts (id bigint PRIMARY KEY, name text); {}",
            scenario.setup
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(setup))
            .execute(&pool)
            .await?;
        let catalog = catalog(schema, &[scenario.tables])?;

        // 1. The checker names the blocker, with a fix.
        let report = check_readiness(&pool, &catalog, &ReadinessOptions::default()).await?;
        let mut kinds: Vec<FindingKind> = report.blockers().map(|f| f.kind).collect();
        kinds.sort_by_key(|k| format!("{k:?}"));
        let mut expected = scenario.expected.to_vec();
        expected.sort_by_key(|k| format!("{k:?}"));
        assert_eq!(kinds, expected, "{schema}: report was\n{report}");
        println!("--- {schema}\n{report}");

        // 2. Citus refuses the naive distribution with the error the checker anticipated. The
        //    tenant table goes first, as it would in any real migration.
        citus
            .create_distributed_table(&TableName::new(schema, "accounts"), "id", None)
            .await?;
        let mut refusal = None;
        for statement in scenario.attempt {
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(*statement))
                .execute(&pool)
                .await
            {
                refusal = Some(error_text(&e));
                break;
            }
        }
        let refusal =
            refusal.unwrap_or_else(|| panic!("{schema}: Citus accepted {:?}", scenario.attempt));
        assert!(
            refusal.contains(scenario.citus_error),
            "{schema}: Citus said {refusal:?}, expected {:?}",
            scenario.citus_error
        );
        println!("Citus refused: {refusal}");

        // 3. After the suggested fixes the checker is clean and distribution succeeds.
        for statement in report.fix_script() {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
                .execute(&pool)
                .await
                .map_err(|e| format!("{schema}: fix {statement} failed: {}", error_text(&e)))?;
        }
        let catalog = catalog_after(schema, scenario)?;
        let after = check_readiness(&pool, &catalog, &ReadinessOptions::default()).await?;
        assert!(
            after.is_ready(),
            "{schema}: still blocked after fixes:\n{after}"
        );
        let plan = plan_distribution(&pool, &catalog, &ReadinessOptions::default()).await?;
        let applied = plan
            .apply(&citus)
            .await
            .map_err(|e| format!("{schema}: {e}"))?;
        println!("{applied}");
        for statement in scenario.attempt.iter().filter(|s| s.starts_with("ALTER")) {
            sqlx::raw_sql(sqlx::AssertSqlSafe(*statement))
                .execute(&pool)
                .await?;
        }
        let distributed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1",
        )
        .bind(schema)
        .fetch_one(&pool)
        .await?;
        assert_eq!(
            usize::try_from(distributed)?,
            catalog.len(),
            "{schema}: every catalog table is a Citus table"
        );
        let again = check_readiness(&pool, &catalog, &ReadinessOptions::default()).await?;
        assert!(
            again.is_ready(),
            "{schema}: blocked after distribution:\n{again}"
        );
    }
    cluster.cleanup().await?;
    Ok(())
}

fn catalog_after(schema: &str, scenario: &Scenario) -> TestResult<Catalog> {
    catalog(schema, &[scenario.tables, scenario.then_tables])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_of_the_tenant_column_are_flagged_before_citus_refuses_them() -> TestResult {
    let Some(cluster) =
        citus_db("updates_of_the_tenant_column_are_flagged_before_citus_refuses_them").await?
    else {
        return Ok(());
    };
    let pool = cluster.pool().clone();
    sqlx::raw_sql(
        "CREATE TABLE accounts (id bigint PRIMARY KEY); \
         CREATE TABLE tasks (id bigint, tenant_id bigint NOT NULL REFERENCES accounts (id), title text, \
           PRIMARY KEY (tenant_id, id)); \
         INSERT INTO accounts VALUES (1), (2); INSERT INTO tasks VALUES (10, 1, 'a')",
    )
    .execute(&pool)
    .await?;
    let catalog = Catalog::builder()
        .tenant_table_by("accounts", "id")
        .tenant_table("tasks")
        .build()?;
    let moving = "UPDATE tasks SET tenant_id = 2, title = 'moved' WHERE id = 10";
    let options = ReadinessOptions::default().statements([
        SourceStatement::new("jobs.sql:7", moving),
        SourceStatement::new(
            "jobs.sql:9",
            "UPDATE tasks SET title = 'kept' WHERE id = 10",
        ),
    ]);
    let report = check_readiness(&pool, &catalog, &options).await?;
    let flagged: Vec<_> = report.blockers().collect();
    assert_eq!(flagged.len(), 1, "{report}");
    assert_eq!(flagged[0].kind, FindingKind::UpdatesTenantColumn);
    assert!(flagged[0].message.contains("jobs.sql:7"));

    // The schema itself is fine: distribute it, then Citus refuses the flagged statement.
    let plan = plan_distribution(&pool, &catalog, &ReadinessOptions::default()).await?;
    plan.apply(&Citus::new(pool.clone())).await?;
    let refused = sqlx::raw_sql(moving).execute(&pool).await;
    let refusal = refused.err().map(|e| error_text(&e)).unwrap_or_default();
    assert!(
        refusal.contains("modifying the partition value of rows is not allowed"),
        "Citus said {refusal:?}"
    );
    // The suggested rewrite (the statement without the tenant assignment) runs.
    let advice = flagged[0].advice.clone().unwrap_or_default();
    let corrected = advice
        .split("drop the assignment: ")
        .nth(1)
        .and_then(|rest| rest.split(" (to move").next())
        .ok_or("advice carries the corrected statement")?;
    assert_eq!(corrected, "UPDATE tasks SET title = 'moved' WHERE id = 10");
    sqlx::raw_sql(sqlx::AssertSqlSafe(corrected.to_owned()))
        .execute(&pool)
        .await?;
    let title: String = sqlx::query_scalar("SELECT title FROM tasks WHERE id = 10")
        .fetch_one(&pool)
        .await?;
    assert_eq!(title, "moved");
    cluster.cleanup().await?;
    Ok(())
}
