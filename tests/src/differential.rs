//! The differential harness: a statement rewritten for tenant `T` on the shared database must
//! behave exactly like the original on a database holding `T` alone, and leave every other
//! tenant's rows untouched.

use std::collections::BTreeMap;
use std::fmt;

use sqlx::postgres::{PgArguments, PgConnection, PgRow, Postgres};
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Connection, Row};
use tenancy_core::{Error as RewriteError, Rewriter, TenantId};
use tenancy_testing::TestDatabase;

use crate::corpus::{Case, Expect, Param};
use crate::rows::{TextRow, sorted};
use crate::schema::{self, REFERENCE_TABLES, TENANT_TABLES, TENANTS};

/// Boxed error for fixture setup.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How the tenant reaches the rewritten statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `rewrite()`: the tenant is bound as the last parameter `$N`.
    Placeholder,
    /// `rewrite_with_literal()`: the tenant is a SQL literal.
    Literal,
    /// Control: the original statement runs unrewritten on the shared database, so the harness
    /// must report a divergence for every statement that touches a tenant table.
    Unscoped,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Placeholder => "placeholder",
            Self::Literal => "literal",
            Self::Unscoped => "unscoped control",
        })
    }
}

/// Table name → its rows as JSON text, sorted.
pub type Snapshot = BTreeMap<String, Vec<String>>;

/// The shared database, one isolated database per tenant, and the rewriter.
#[derive(Debug)]
pub struct Fixture {
    /// All tenants.
    pub shared: TestDatabase,
    /// `(tenant, database holding only that tenant)`.
    pub isolated: Vec<(i64, TestDatabase)>,
    /// The rewriter under test.
    pub rewriter: Rewriter,
    /// Per tenant: every other tenant's rows (and the reference tables) on the shared database.
    others_before: BTreeMap<i64, Snapshot>,
    /// Whether the shared database is a Citus cluster with the schema distributed; then every
    /// rewritten statement must also be a router query (one shard per Citus step).
    citus: bool,
}

impl Fixture {
    /// Creates and seeds the four databases and checks that each isolated database starts
    /// exactly as its tenant's slice of the shared one.
    ///
    /// # Errors
    /// When a database cannot be created or seeded, or the seeds disagree.
    pub async fn create() -> Result<Self, BoxError> {
        let shared = TestDatabase::builder().max_connections(2).create().await?;
        shared.seed(&schema::seed(None)).await?;
        Self::around(shared, false).await
    }

    /// Like [`create`](Self::create), with the shared database on the Citus cluster at
    /// `CITUS_URL` and the schema distributed by tenant (`plans` a reference table); `None`
    /// (after saying so) when no cluster is configured.
    ///
    /// # Errors
    /// As [`create`](Self::create), or when the distribution fails.
    pub async fn create_on_citus(test: &str) -> Result<Option<Self>, BoxError> {
        let Some(shared) = TestDatabase::builder()
            .citus()
            .max_connections(2)
            .create_or_skip(test)
            .await?
        else {
            return Ok(None);
        };
        shared.seed(&schema::seed(None)).await?;
        sqlx::raw_sql(schema::DISTRIBUTE)
            .execute(shared.pool())
            .await?;
        Ok(Some(Self::around(shared, true).await?))
    }

    async fn around(shared: TestDatabase, citus: bool) -> Result<Self, BoxError> {
        let mut isolated = Vec::new();
        let mut others_before = BTreeMap::new();
        for t in TENANTS {
            let db = TestDatabase::builder().max_connections(2).create().await?;
            db.seed(&schema::seed(Some(t))).await?;
            let mut shared_conn = shared.pool().acquire().await?;
            let mut iso_conn = db.pool().acquire().await?;
            let slice = snapshot(&mut shared_conn, Slice::Only(t)).await?;
            let whole = snapshot(&mut iso_conn, Slice::All).await?;
            if slice
                .iter()
                .any(|(table, rows)| whole.get(table) != Some(rows))
            {
                return Err(format!("seed mismatch for tenant {t}").into());
            }
            others_before.insert(t, snapshot(&mut shared_conn, Slice::Except(t)).await?);
            isolated.push((t, db));
        }
        Ok(Self {
            shared,
            isolated,
            rewriter: Rewriter::new(schema::catalog()?),
            others_before,
            citus,
        })
    }

    /// Drops the databases.
    ///
    /// # Errors
    /// When a drop fails.
    pub async fn cleanup(self) -> Result<(), BoxError> {
        self.shared.cleanup().await?;
        for (_, db) in self.isolated {
            db.cleanup().await?;
        }
        Ok(())
    }

    /// The isolated database of `tenant`.
    ///
    /// # Errors
    /// When `tenant` is not one of [`TENANTS`].
    pub fn isolated_for(&self, tenant: i64) -> Result<&TestDatabase, String> {
        self.isolated
            .iter()
            .find(|(t, _)| *t == tenant)
            .map(|(_, db)| db)
            .ok_or_else(|| format!("no isolated database for tenant {tenant}"))
    }

    /// Runs one case for one tenant in one mode.
    ///
    /// # Errors
    /// A description of the divergence, leak or refusal.
    pub async fn run(&self, case: &Case, tenant: i64, mode: Mode) -> Result<Verdict, String> {
        let id = TenantId::Int(tenant);
        let (sql, tenant_bound) = match self.rewrite(case, &id, mode) {
            Ok(rewritten) => rewritten,
            Err(refusal) => return judge_refusal(case, &refusal),
        };

        let iso_pool = self.isolated_for(tenant)?.pool();
        let mut iso = iso_pool.acquire().await.map_err(|e| e.to_string())?;
        let (iso_outcome, iso_after) =
            execute(&mut iso, case.sql, case.params, tenant, None, &[Slice::All]).await?;

        let mut shared = self
            .shared
            .pool()
            .acquire()
            .await
            .map_err(|e| e.to_string())?;
        let bound = tenant_bound.then_some(tenant);
        let slices = [Slice::Only(tenant), Slice::Except(tenant)];
        let (outcome, after) =
            execute(&mut shared, &sql, case.params, tenant, bound, &slices).await?;

        if case.expect == Expect::TenantMismatch {
            return match outcome {
                Err(e) if e.to_lowercase().contains("tenant mismatch") => Ok(Verdict::Refused),
                Err(e) => Err(format!(
                    "forged tenant failed without \"tenant mismatch\": {e}; SQL: {sql}"
                )),
                Ok(rows) => Err(format!(
                    "forged tenant was accepted ({} rows); SQL: {sql}",
                    rows.len()
                )),
            };
        }
        let iso_rows = iso_outcome
            .map_err(|e| format!("CORPUS: original fails on the isolated database: {e}"))?;
        let rows = match outcome {
            Ok(rows) => rows,
            Err(e) if self.citus && self.original_fails_alike(case, tenant, &e).await? => {
                return Ok(Verdict::CitusUnsupported);
            }
            Err(e) => return Err(format!("rewritten statement fails: {e}; SQL: {sql}")),
        };
        if rows != iso_rows {
            return Err(format!(
                "results differ; SQL: {sql}\n      isolated: {iso_rows:?}\n      shared:   {rows:?}"
            ));
        }
        let (Some([mine, others]), Some([iso_all])) = (after.as_deref(), iso_after.as_deref())
        else {
            return Err("snapshots missing after a successful statement".to_owned());
        };
        if let Some(table) = mine.keys().find(|t| mine.get(*t) != iso_all.get(*t)) {
            return Err(format!(
                "tenant's rows in {table} differ after the statement; SQL: {sql}\n      isolated: {:?}\n      shared:   {:?}",
                iso_all.get(table),
                mine.get(table)
            ));
        }
        if let Some(before) = self.others_before.get(&tenant)
            && let Some(table) = before.keys().find(|t| before.get(*t) != others.get(*t))
        {
            return Err(format!(
                "OTHER TENANTS' rows in {table} changed; SQL: {sql}\n      before: {:?}\n      after:  {:?}",
                before.get(table),
                others.get(table)
            ));
        }
        if self.citus {
            self.router_check(&mut shared, case, tenant, &sql, bound)
                .await?;
        }
        Ok(Verdict::Same)
    }

    /// Whether the original statement, unrewritten, fails on the Citus cluster with the very
    /// error the rewritten one got: a limit of Citus, not of the rewrite.
    async fn original_fails_alike(
        &self,
        case: &Case,
        tenant: i64,
        error: &str,
    ) -> Result<bool, String> {
        let mut conn = self
            .shared
            .pool()
            .acquire()
            .await
            .map_err(|e| e.to_string())?;
        let (original, _) = execute(&mut conn, case.sql, case.params, tenant, None, &[]).await?;
        Ok(original.err().as_deref() == Some(error))
    }

    /// Checks with `EXPLAIN` (bound like the real run, in a rolled-back transaction) that Citus
    /// sends every step of the statement to one shard: each `Task Count` is 1, and an
    /// `INSERT ... SELECT` is pushed down to the shards rather than pulled through the
    /// coordinator. Citus cannot
    /// EXPLAIN some parameterized `INSERT ... SELECT`s; then the literal rendering, which has
    /// the same shape, is explained instead.
    async fn router_check(
        &self,
        conn: &mut PgConnection,
        case: &Case,
        tenant: i64,
        sql: &str,
        bound: Option<i64>,
    ) -> Result<(), String> {
        let plan = match explain(conn, sql, case.params, tenant, bound).await {
            Ok(plan) => plan,
            Err(with_parameter) => {
                let literal = self
                    .rewriter
                    .rewrite_with_literal(case.sql, &TenantId::Int(tenant))
                    .map_err(|e| e.to_string())?;
                explain(conn, &literal, case.params, tenant, None)
                    .await
                    .map_err(|with_literal| {
                        format!(
                            "EXPLAIN fails on Citus with the tenant as a parameter \
                             ({with_parameter}) and as a literal ({with_literal}); SQL: {sql}"
                        )
                    })?
            }
        };
        let counts: Vec<&str> = plan
            .lines()
            .filter_map(|line| line.trim().strip_prefix("Task Count: "))
            .collect();
        if counts.iter().any(|count| *count != "1") {
            return Err(format!(
                "not a router query on Citus (Task Count {counts:?}); SQL: {sql}\n{plan}"
            ));
        }
        // An INSERT ... SELECT must run on the shards, not through the coordinator, unless
        // Citus plans the original that way too (a source it cannot push down, such as the
        // result of a data-modifying CTE).
        if let Some(method) = insert_select_method(&plan).filter(|m| *m != "pushdown") {
            let original = explain(conn, case.sql, case.params, tenant, None).await;
            let original_method = original.as_deref().ok().and_then(insert_select_method);
            if original_method.is_none_or(|m| m == "pushdown") {
                return Err(format!(
                    "INSERT ... SELECT is not pushed down on Citus ({method}), the original is \
                     ({original_method:?}); SQL: {sql}\n{plan}"
                ));
            }
        }
        Ok(())
    }

    /// The SQL to run on the shared database, and whether the tenant is bound as the last parameter.
    fn rewrite(
        &self,
        case: &Case,
        tenant: &TenantId,
        mode: Mode,
    ) -> Result<(String, bool), RewriteError> {
        match mode {
            Mode::Placeholder => {
                let rewritten = self.rewriter.rewrite(case.sql)?;
                let bound = rewritten.bind(tenant, case.params.len())?;
                match bound.tenant_param() {
                    Some(n) if n == case.params.len() + 1 => Ok((bound.sql().to_owned(), true)),
                    Some(n) => Err(RewriteError::Parse {
                        message: format!(
                            "RULE 6: tenant placeholder is ${n}, expected ${}",
                            case.params.len() + 1
                        ),
                        source: None,
                    }),
                    None => Ok((bound.sql().to_owned(), false)),
                }
            }
            Mode::Literal => Ok((self.rewriter.rewrite_with_literal(case.sql, tenant)?, false)),
            Mode::Unscoped => Ok((case.sql.to_owned(), false)),
        }
    }
}

/// The `EXPLAIN (COSTS OFF)` text of `sql`, bound like [`execute`] binds it, rolled back.
async fn explain(
    conn: &mut PgConnection,
    sql: &str,
    params: &[Param],
    tenant: i64,
    bind_tenant_last: Option<i64>,
) -> Result<String, String> {
    let mut tx = conn.begin().await.map_err(|e| e.to_string())?;
    let mut query = sqlx::query(AssertSqlSafe(format!("EXPLAIN (COSTS OFF) {sql}")));
    for param in params {
        query = bind(query, *param, tenant);
    }
    if let Some(t) = bind_tenant_last {
        query = query.bind(t);
    }
    let plan = query.fetch_all(&mut *tx).await;
    tx.rollback().await.map_err(|e| e.to_string())?;
    let lines = plan
        .map_err(|e| e.to_string())?
        .iter()
        .map(|row| row.try_get::<String, _>(0))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok(lines.join("\n"))
}

/// A passing result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Same results and effects.
    Same,
    /// Refused as the case allows (MERGE) or requires (forged tenant).
    Refused,
    /// On Citus only: the original statement fails there with the same error, so Citus does not
    /// support the statement itself.
    CitusUnsupported,
}

fn judge_refusal(case: &Case, refusal: &RewriteError) -> Result<Verdict, String> {
    match (case.expect, refusal) {
        (Expect::TenantMismatch, RewriteError::TenantMismatch { .. }) => Ok(Verdict::Refused),
        (Expect::SameOrRefused(kind), RewriteError::Refused { .. })
            if refusal.to_string().contains(kind) =>
        {
            Ok(Verdict::Refused)
        }
        _ => Err(format!("rewriter refused: {refusal}")),
    }
}

/// What to snapshot.
#[derive(Clone, Copy, Debug)]
pub enum Slice {
    /// Every row (an isolated database).
    All,
    /// One tenant's rows.
    Only(i64),
    /// Everything but one tenant's rows, plus the reference tables.
    Except(i64),
}

/// Rows of every table in `slice`, as sorted JSON text.
///
/// # Errors
/// When a query fails.
pub async fn snapshot(conn: &mut PgConnection, slice: Slice) -> Result<Snapshot, sqlx::Error> {
    let mut out = Snapshot::new();
    for table in TENANT_TABLES {
        let col = table.tenant_column;
        let (filter, tenant) = match slice {
            Slice::All => (String::new(), None),
            Slice::Only(t) => (format!("WHERE x.{col} = $1"), Some(t)),
            Slice::Except(t) => (format!("WHERE x.{col} <> $1"), Some(t)),
        };
        let sql = format!(
            "SELECT to_jsonb(x)::text FROM {} x {filter} ORDER BY 1",
            table.sql_name
        );
        let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
        if let Some(t) = tenant {
            query = query.bind(t);
        }
        out.insert(
            table.sql_name.to_owned(),
            query.fetch_all(&mut *conn).await?,
        );
    }
    if !matches!(slice, Slice::Only(_)) {
        for table in REFERENCE_TABLES {
            let sql = format!("SELECT to_jsonb(x)::text FROM {table} x ORDER BY 1");
            let rows = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql))
                .fetch_all(&mut *conn)
                .await?;
            out.insert(table.to_owned(), rows);
        }
    }
    Ok(out)
}

type Outcome = Result<Vec<TextRow>, String>;

/// Runs `sql` in a transaction that is rolled back, returning its rows and (when it succeeded)
/// the snapshots of `slices` taken inside the transaction, after the statement.
async fn execute(
    conn: &mut PgConnection,
    sql: &str,
    params: &[Param],
    tenant: i64,
    bind_tenant_last: Option<i64>,
    slices: &[Slice],
) -> Result<(Outcome, Option<Vec<Snapshot>>), String> {
    let mut tx = conn.begin().await.map_err(|e| e.to_string())?;
    let mut query = sqlx::query(AssertSqlSafe(sql.to_owned()));
    for param in params {
        query = bind(query, *param, tenant);
    }
    if let Some(t) = bind_tenant_last {
        query = query.bind(t);
    }
    let result: Result<Vec<PgRow>, sqlx::Error> = query.fetch_all(&mut *tx).await;
    let outcome = match result {
        Ok(rows) => {
            let mut after = Vec::new();
            for slice in slices {
                after.push(snapshot(&mut tx, *slice).await.map_err(|e| e.to_string())?);
            }
            (Ok(sorted(&rows)), Some(after))
        }
        Err(e) => (Err(e.to_string()), None),
    };
    tx.rollback().await.map_err(|e| e.to_string())?;
    Ok(outcome)
}

fn bind(
    query: Query<'_, Postgres, PgArguments>,
    param: Param,
    tenant: i64,
) -> Query<'_, Postgres, PgArguments> {
    match param {
        Param::Int(v) => query.bind(v),
        Param::Text(v) => query.bind(v),
        Param::Bool(v) => query.bind(v),
        Param::OwnTenant => query.bind(tenant),
        Param::OtherTenant => query.bind(other_tenant(tenant)),
    }
}

/// How Citus runs an `INSERT ... SELECT`, from its `EXPLAIN`; `None` for other statements and for
/// the pushdown plan, which has no such line.
fn insert_select_method(plan: &str) -> Option<&str> {
    plan.lines()
        .find_map(|line| line.trim().strip_prefix("INSERT/SELECT method: "))
}

/// A tenant that is not `tenant`.
#[must_use]
pub fn other_tenant(tenant: i64) -> i64 {
    tenant % 3 + 1
}
