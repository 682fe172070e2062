//! The Citus helpers against a real cluster (`CITUS_URL`): each call changes the cluster once,
//! and a second call finds it done.

use tenancy_sqlx::Error;
use tenancy_sqlx::citus::{Alteration, Citus, Outcome, ShardTransferMode};
use tenancy_sqlx::core::{TableName, TenantId};
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

fn t(name: &str) -> TableName {
    TableName::parse(name).expect("a valid table name")
}

fn applied(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Applied { .. })
}

fn done(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::AlreadyDone { .. })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helpers_are_idempotent_on_a_real_cluster() -> TestResult {
    let Some(cluster) = citus_db("helpers_are_idempotent_on_a_real_cluster").await? else {
        return Ok(());
    };
    let pool = cluster.pool().clone();
    sqlx::raw_sql(
        "CREATE TABLE plans (id bigint PRIMARY KEY, name text); \
         CREATE TABLE accounts (id bigint PRIMARY KEY, name text); \
         CREATE TABLE tasks (id bigint, tenant_id bigint NOT NULL REFERENCES accounts (id), title text, \
           PRIMARY KEY (tenant_id, id)); \
         INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 20) g; \
         INSERT INTO tasks SELECT g, 1 + g % 20, 't' FROM generate_series(1, 200) g",
    )
    .execute(&pool)
    .await?;
    let citus = Citus::new(pool.clone()).shard_transfer_mode(ShardTransferMode::BlockWrites);
    assert!(citus.is_citus().await?);
    let (accounts, tasks, plans) = (t("accounts"), t("tasks"), t("plans"));

    let first = citus
        .create_distributed_table(&accounts, "id", None)
        .await?;
    assert!(applied(&first), "{first}");
    assert!(done(
        &citus
            .create_distributed_table(&accounts, "id", None)
            .await?
    ));
    assert!(applied(
        &citus
            .create_distributed_table(&tasks, "tenant_id", Some(&accounts))
            .await?
    ));
    assert!(done(
        &citus
            .create_distributed_table(&tasks, "tenant_id", Some(&accounts))
            .await?
    ));
    let conflict = citus.create_distributed_table(&tasks, "id", None).await;
    assert!(matches!(conflict, Err(Error::Citus { .. })), "{conflict:?}");

    assert!(applied(&citus.create_reference_table(&plans).await?));
    assert!(done(&citus.create_reference_table(&plans).await?));

    let same = Alteration::default()
        .colocate_with(accounts.clone())
        .distribution_column("tenant_id");
    assert!(done(&citus.alter_distributed_table(&tasks, &same).await?));
    let fewer = Alteration::default()
        .shard_count(8)
        .cascade_to_colocated(true);
    assert!(applied(
        &citus.alter_distributed_table(&tasks, &fewer).await?
    ));
    assert!(done(&citus.alter_distributed_table(&tasks, &fewer).await?));
    assert!(done(
        &citus
            .alter_distributed_table(&accounts, &Alteration::default().shard_count(8))
            .await?
    ));

    let tenant = TenantId::Int(7);
    assert!(applied(
        &citus
            .isolate_tenant_to_new_shard(&accounts, &tenant)
            .await?
    ));
    assert!(done(
        &citus
            .isolate_tenant_to_new_shard(&accounts, &tenant)
            .await?
    ));
    let (alone, rows): (bool, i64) = sqlx::query_as(
        "SELECT s.shardminvalue = s.shardmaxvalue, (SELECT count(*) FROM tasks WHERE tenant_id = 7) \
         FROM pg_dist_shard s WHERE s.shardid = get_shard_id_for_distribution_column('tasks', 7)",
    )
    .fetch_one(&pool)
    .await?;
    assert!(alone, "tenant 7's tasks shard holds only tenant 7");
    assert_eq!(rows, 10);

    let (host, port) = cluster
        .citus_workers()
        .first()
        .map(|w| (w.host.clone(), w.port))
        .ok_or("the cluster has a worker (CITUS_URL must name a multi-node cluster)")?;
    assert!(done(&citus.add_node(&host, port).await?));

    let rebalanced = citus.rebalance().await?;
    println!("rebalance: {rebalanced}");
    assert!(done(&citus.rebalance().await?));
    let (outcome, job) = citus.start_rebalance().await?;
    assert!(done(&outcome) && job.is_none(), "{outcome}");

    assert!(applied(&citus.undistribute_table(&plans, false).await?));
    assert!(done(&citus.undistribute_table(&plans, false).await?));
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&pool)
        .await?;
    assert_eq!(total, 200, "no row lost along the way");
    cluster.cleanup().await?;
    Ok(())
}
