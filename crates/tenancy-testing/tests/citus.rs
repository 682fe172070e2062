//! Citus test databases against a real multi-node cluster (`CITUS_URL`): the whole cluster is
//! attached, distributed tables spread over the workers, and nothing is left on any node.

use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tenancy_testing::{CitusNode, Environment, Error, TestDatabase};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// `None` (after saying so) when no Citus cluster is configured.
async fn citus_db() -> TestResult<Option<TestDatabase>> {
    match TestDatabase::builder()
        .citus()
        .max_connections(3)
        .create()
        .await
    {
        Ok(db) => Ok(Some(db)),
        Err(Error::NoCitus { .. }) => {
            println!("skipped: CITUS_URL not set");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Every node of the cluster, as (host, port), read from the `CITUS_URL` database.
async fn cluster_nodes(server: &PgConnectOptions) -> TestResult<Vec<(String, u16)>> {
    let mut conn = PgConnection::connect_with(server).await?;
    let nodes: Vec<(String, i32)> = sqlx::query_as(
        "SELECT nodename::text, nodeport FROM pg_dist_node \
         WHERE noderole = 'primary' ORDER BY groupid",
    )
    .fetch_all(&mut conn)
    .await?;
    conn.close().await?;
    nodes
        .into_iter()
        .map(|(host, port)| Ok((host, u16::try_from(port)?)))
        .collect()
}

/// Test databases this process created that still exist on `host:port`.
async fn leftovers(server: &PgConnectOptions, host: &str, port: u16) -> TestResult<Vec<String>> {
    let mut conn = PgConnection::connect_with(&server.clone().host(host).port(port)).await?;
    // Names carry the creating process id: other processes' tests may run at the same time.
    let pattern = format!("tenancy\\_test\\_%\\_{}\\_%", std::process::id());
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE $1")
            .bind(pattern)
            .fetch_all(&mut conn)
            .await?;
    conn.close().await?;
    Ok(names)
}

// One test function: the leftover check counts every database of this process, so no other
// test of this binary may hold one at that moment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citus_database_spans_the_cluster_and_leaves_nothing_behind() -> TestResult {
    let Some(db) = citus_db().await? else {
        return Ok(());
    };
    let url = std::env::var("CITUS_URL")?;
    let server = PgConnectOptions::from_str(&url)?;
    let nodes = cluster_nodes(&server).await?;
    assert_eq!(
        nodes.len(),
        3,
        "the cluster has a coordinator and 2 workers"
    );

    // The new database knows the same nodes as the cluster: coordinator (group 0) + 2 workers.
    let in_db: Vec<(String, i32, i32)> = sqlx::query_as(
        "SELECT nodename::text, nodeport, groupid FROM pg_dist_node \
         WHERE noderole = 'primary' ORDER BY groupid",
    )
    .fetch_all(db.pool())
    .await?;
    let coordinators = in_db.iter().filter(|(_, _, group)| *group == 0).count();
    assert_eq!(coordinators, 1, "{in_db:?}");
    let in_db_nodes: Vec<(String, u16)> = in_db
        .iter()
        .map(|(host, port, _)| Ok((host.clone(), u16::try_from(*port)?)))
        .collect::<TestResult<_>>()?;
    assert_eq!(in_db_nodes, nodes);
    let workers: Vec<(String, u16)> = db
        .citus_workers()
        .iter()
        .map(|w: &CitusNode| (w.host.clone(), w.port))
        .collect();
    assert_eq!(workers, nodes[1..]);

    // A distributed table works and its shards live on both workers.
    sqlx::raw_sql(
        "CREATE TABLE tasks (tenant_id bigint NOT NULL, id bigint, PRIMARY KEY (tenant_id, id)); \
         SELECT create_distributed_table('tasks', 'tenant_id'); \
         INSERT INTO tasks SELECT g % 10, g FROM generate_series(1, 100) g",
    )
    .execute(db.pool())
    .await?;
    let groups: Vec<i32> = sqlx::query_scalar(
        "SELECT DISTINCT pl.groupid FROM pg_dist_shard s \
         JOIN pg_dist_placement pl USING (shardid) \
         WHERE s.logicalrelid = 'tasks'::regclass ORDER BY 1",
    )
    .fetch_all(db.pool())
    .await?;
    assert_eq!(groups, [1, 2], "shards are placed on both workers");
    let per_tenant: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE tenant_id = 3")
        .fetch_one(db.pool())
        .await?;
    assert_eq!(per_tenant, 10);

    // The database exists on every node until cleanup, and on none afterwards.
    let name = db.name().to_owned();
    for (host, port) in &nodes {
        let present = leftovers(&server, host, *port).await?;
        assert!(present.contains(&name), "{name} missing on {host}:{port}");
    }
    db.cleanup().await?;

    // The best-effort `Drop` of a panicking test reaches the workers too.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let db = citus_db()
            .await
            .ok()
            .flatten()
            .expect("a second Citus test database");
        let _ = tx.send(db.name().to_owned());
        panic!("the test under test fails");
    });
    assert!(task.await.is_err_and(|e| e.is_panic()));
    let dropped_name = rx.await?;
    for (host, port) in &nodes {
        let left = leftovers(&server, host, *port).await?;
        assert!(left.is_empty(), "left on {host}:{port}: {left:?}");
    }
    assert!(dropped_name.starts_with(tenancy_testing::DATABASE_PREFIX));
    Ok(())
}

#[tokio::test]
async fn without_a_cluster_the_citus_flavor_says_how_to_get_one() {
    let err = TestDatabase::builder()
        .citus()
        .environment(Environment::empty().with_database_url("postgres://postgres@127.0.0.1:5432"))
        .create()
        .await
        .map(drop);
    match err {
        Err(e @ Error::NoCitus { .. }) => {
            let message = e.to_string();
            assert!(message.contains("CITUS_URL is not set"), "{message}");
            assert!(message.contains("set CITUS_URL"), "{message}");
        }
        other => panic!("expected NoCitus, got {other:?}"),
    }
}
