//! Row-level security: the database's own wall behind the rewriter.
//!
//! The rewriter scopes every statement the app sends through [`TenantPool`](crate::TenantPool);
//! row-level security makes PostgreSQL refuse other tenants' rows even to a statement that skipped
//! the SDK. [`policy_statements`] generates the DDL; [`verify_rls`] reports every tenant table the
//! database does not actually wall off.
//!
//! Three things silently open the wall, and the checker looks for each:
//! - RLS not `ENABLE`d: no policy applies at all.
//! - RLS not `FORCE`d: the table owner bypasses policies, and apps often connect as the owner.
//! - A role with `SUPERUSER` or `BYPASSRLS`, or another permissive policy (permissive policies
//!   are OR-ed, so `USING (true)` anywhere opens the table).
//!
//! The policy compares the tenant column with `current_setting('tenancy.tenant_id', true)`. A
//! missing setting yields NULL, so a session that never set a tenant sees no rows: fail closed.

use sqlx::PgPool;
use tenancy_core::catalog::quote_identifier;
use tenancy_core::{Catalog, TableName, TableRole, TenantKeyKind};

use crate::error::Error;

/// The name of the policy [`policy_statements`] creates.
pub const POLICY_NAME: &str = "tenancy_isolation";

/// The DDL that walls off one tenant table: enable and force RLS, and (re)create the isolation
/// policy for reads (`USING`) and writes (`WITH CHECK`). Idempotent: safe to run again.
///
/// # Example
/// ```
/// use tenancy_sqlx::{core::{TableName, TenantKeyKind}, rls};
///
/// let ddl = rls::policy_statements(&TableName::parse("tasks")?, "tenant_id", TenantKeyKind::Int);
/// assert_eq!(ddl[0], "ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY");
/// assert!(ddl[3].contains("USING (tenant_id = NULLIF(current_setting('tenancy.tenant_id', true), '')::bigint)"));
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[must_use]
pub fn policy_statements(table: &TableName, column: &str, kind: TenantKeyKind) -> Vec<String> {
    let sql_type = match kind {
        TenantKeyKind::Int => "bigint",
        TenantKeyKind::Uuid => "uuid",
        TenantKeyKind::Text => "text",
    };
    let predicate = format!(
        "{} = NULLIF(current_setting('tenancy.tenant_id', true), '')::{sql_type}",
        quote_identifier(column)
    );
    vec![
        format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"),
        format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY"),
        format!("DROP POLICY IF EXISTS {POLICY_NAME} ON {table}"),
        format!(
            "CREATE POLICY {POLICY_NAME} ON {table} USING ({predicate}) WITH CHECK ({predicate})"
        ),
    ]
}

/// Applies [`policy_statements`] to every tenant table of `catalog`, in one transaction.
///
/// # Errors
/// Database errors (for instance a table missing from the database); nothing is applied then.
///
/// # Example
/// ```no_run
/// # async fn run(pool: sqlx::PgPool, catalog: tenancy_sqlx::core::Catalog) -> Result<(), tenancy_sqlx::Error> {
/// use tenancy_sqlx::{core::TenantKeyKind, rls};
/// rls::apply(&pool, &catalog, TenantKeyKind::Int).await?;
/// assert!(rls::verify_rls(&pool, &catalog).await?.is_empty());
/// # Ok(()) }
/// ```
pub async fn apply(pool: &PgPool, catalog: &Catalog, kind: TenantKeyKind) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    for (table, role) in catalog.tables() {
        if let TableRole::Tenant { column } = role {
            for statement in policy_statements(table, column, kind) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// One way a tenant table is not walled off by row-level security.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RlsProblem {
    /// The catalog lists a table the database does not have.
    MissingTable(TableName),
    /// `ENABLE ROW LEVEL SECURITY` was never run: no policy applies.
    NotEnabled(TableName),
    /// `FORCE ROW LEVEL SECURITY` is off: the table owner bypasses every policy.
    NotForced(TableName),
    /// No policy reads `tenancy.tenant_id`: with RLS enabled the table shows nothing, or an
    /// unrelated policy decides.
    NoTenantPolicy(TableName),
    /// A permissive policy that does not read `tenancy.tenant_id` is OR-ed with the tenant policy.
    PermissivePolicy {
        /// The table.
        table: TableName,
        /// The policy's name.
        policy: String,
    },
    /// The connected role owns the table: `FORCE` subjects it to the policies, but an owner can
    /// turn them off again (`ALTER TABLE ... NO FORCE`); connect the app as a role that owns
    /// nothing.
    RoleOwnsTable {
        /// The table.
        table: TableName,
        /// The owning role.
        role: String,
    },
    /// The connected role bypasses row-level security altogether.
    RoleBypasses {
        /// The role.
        role: String,
        /// `SUPERUSER` or `BYPASSRLS`.
        attribute: &'static str,
    },
}

impl std::fmt::Display for RlsProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingTable(t) => write!(f, "{t}: table does not exist"),
            Self::NotEnabled(t) => write!(
                f,
                "{t}: row-level security is not enabled; run ALTER TABLE {t} ENABLE ROW LEVEL SECURITY"
            ),
            Self::NotForced(t) => write!(
                f,
                "{t}: row-level security is not forced, so the owner bypasses it; run ALTER TABLE {t} FORCE ROW LEVEL SECURITY"
            ),
            Self::NoTenantPolicy(t) => write!(
                f,
                "{t}: no policy reads tenancy.tenant_id; create one with tenancy_sqlx::rls::policy_statements"
            ),
            Self::PermissivePolicy { table, policy } => write!(
                f,
                "{table}: permissive policy {policy} does not read tenancy.tenant_id and is OR-ed with the tenant policy; drop it or make it RESTRICTIVE"
            ),
            Self::RoleOwnsTable { table, role } => write!(
                f,
                "{table}: owned by {role}, the role the app connects as; an owner can switch RLS off, so give the table to another role"
            ),
            Self::RoleBypasses { role, attribute } => write!(
                f,
                "role {role} has {attribute} and bypasses row-level security; connect the app as a role without it"
            ),
        }
    }
}

/// Reports every tenant table of `catalog` that row-level security does not wall off for the
/// role `pool` connects as. An empty list means the second wall stands.
///
/// # Errors
/// Database errors.
///
/// # Example
/// ```no_run
/// # async fn run(pool: sqlx::PgPool, catalog: tenancy_sqlx::core::Catalog) -> Result<(), tenancy_sqlx::Error> {
/// for problem in tenancy_sqlx::rls::verify_rls(&pool, &catalog).await? {
///     eprintln!("RLS: {problem}");
/// }
/// # Ok(()) }
/// ```
pub async fn verify_rls(pool: &PgPool, catalog: &Catalog) -> Result<Vec<RlsProblem>, Error> {
    let mut problems = Vec::new();
    let (role, superuser, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT rolname::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(pool)
    .await?;
    if superuser {
        problems.push(RlsProblem::RoleBypasses {
            role: role.clone(),
            attribute: "SUPERUSER",
        });
    } else if bypass {
        problems.push(RlsProblem::RoleBypasses {
            role: role.clone(),
            attribute: "BYPASSRLS",
        });
    }
    for (table, role) in catalog.tables() {
        if matches!(role, TableRole::Tenant { .. }) {
            check_table(pool, table, &mut problems).await?;
        }
    }
    Ok(problems)
}

async fn check_table(
    pool: &PgPool,
    table: &TableName,
    problems: &mut Vec<RlsProblem>,
) -> Result<(), Error> {
    let flags: Option<(bool, bool, bool, String)> = sqlx::query_as(
        "SELECT c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) = current_user, \
                current_user::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
    )
    .bind(table.schema())
    .bind(table.name())
    .fetch_optional(pool)
    .await?;
    let Some((enabled, forced, owned, role)) = flags else {
        problems.push(RlsProblem::MissingTable(table.clone()));
        return Ok(());
    };
    if !enabled {
        problems.push(RlsProblem::NotEnabled(table.clone()));
    }
    if !forced {
        problems.push(RlsProblem::NotForced(table.clone()));
    }
    if owned {
        problems.push(RlsProblem::RoleOwnsTable {
            table: table.clone(),
            role,
        });
    }
    let policies: Vec<(String, bool, bool)> = sqlx::query_as(
        "SELECT policyname::text, permissive = 'PERMISSIVE', \
                coalesce(qual, '') LIKE '%tenancy.tenant_id%' \
         FROM pg_policies WHERE schemaname = $1 AND tablename = $2 ORDER BY policyname",
    )
    .bind(table.schema())
    .bind(table.name())
    .fetch_all(pool)
    .await?;
    if !policies.iter().any(|(_, _, reads_tenant)| *reads_tenant) {
        problems.push(RlsProblem::NoTenantPolicy(table.clone()));
    }
    for (policy, permissive, reads_tenant) in policies {
        if permissive && !reads_tenant {
            problems.push(RlsProblem::PermissivePolicy {
                table: table.clone(),
                policy,
            });
        }
    }
    Ok(())
}
