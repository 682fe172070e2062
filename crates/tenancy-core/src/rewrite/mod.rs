//! The SQL rewriter: scopes every statement to the current tenant, fail-closed.
//!
//! [`Rewriter::rewrite`] parses one PostgreSQL statement, adds `<table>.<tenant column> = $N` for
//! every tenant table it references (at every query level), fills the tenant column in on
//! `INSERT`, refuses what it cannot prove safe, verifies the result with an independent pass over
//! the final syntax tree, and caches the rendered text by (catalog generation, SQL text). The
//! tenant is always the bind parameter `$N` (N = 1 + the highest placeholder already present), so
//! the text is identical for every tenant. `docs/rewriter.md` lists every rule and refusal.
//!
//! # Example
//! ```
//! use tenancy_core::{Catalog, Rewriter, TenantId};
//!
//! let catalog = Catalog::builder().tenant_table("tasks").reference_table("plans").build()?;
//! let rewriter = Rewriter::new(catalog);
//!
//! let scoped = rewriter.rewrite("SELECT * FROM tasks WHERE done OR id = $1")?;
//! assert_eq!(scoped.to_string(), "SELECT * FROM tasks WHERE (done OR id = $1) AND tasks.tenant_id = $2");
//! assert_eq!(scoped.tenant_param(), Some(2));
//!
//! // Statements over reference tables only pass through untouched.
//! assert_eq!(rewriter.rewrite("SELECT * FROM plans")?.to_string(), "SELECT * FROM plans");
//!
//! // Explain mode renders the tenant as a literal.
//! let explained = rewriter.rewrite_with_literal("SELECT id FROM tasks", &TenantId::from("acme"))?;
//! assert_eq!(explained, "SELECT id FROM tasks WHERE tasks.tenant_id = 'acme'");
//! # Ok::<(), tenancy_core::Error>(())
//! ```

mod cache;
mod delete;
mod expr;
mod from;
mod guard;
mod insert;
mod lexical;
mod limits;
mod literal;
mod merge;
mod placeholder;
pub(crate) mod policy;
mod predicate;
mod query;
mod scope;
mod statement;
mod update;
mod verify;

use std::sync::Arc;

pub use cache::RewriteCache;
pub use guard::mismatch_from_database;

use crate::catalog::{Catalog, TableName};
use crate::error::Error;
use crate::tenant::TenantId;

/// The number of rewritten statements [`Rewriter::new`] keeps.
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;

/// Rewrites SQL so that it only ever sees and writes the current tenant's rows.
///
/// Cheap to share behind an `Arc`; all methods take `&self`. Rewrites go through a bounded cache
/// keyed by (catalog generation, SQL text), so a hot statement costs one hash lookup.
///
/// # Example
/// ```
/// use tenancy_core::{Catalog, Rewriter};
///
/// let rewriter = Rewriter::new(Catalog::builder().tenant_table("tasks").build()?);
/// let first = rewriter.rewrite("DELETE FROM tasks WHERE id = $1")?;
/// assert_eq!(first.to_string(), "DELETE FROM tasks WHERE (id = $1) AND tasks.tenant_id = $2");
/// // The second call is served from the cache.
/// assert!(std::sync::Arc::ptr_eq(&first, &rewriter.rewrite("DELETE FROM tasks WHERE id = $1")?));
/// # Ok::<(), tenancy_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Rewriter {
    catalog: Arc<Catalog>,
    cache: Arc<RewriteCache>,
}

/// A rewritten statement whose tenant is the bind parameter `$N`.
///
/// # Example
/// ```
/// use tenancy_core::{Catalog, Error, Rewriter, TenantId};
///
/// let rewriter = Rewriter::new(Catalog::builder().tenant_table("tasks").build()?);
/// let insert = rewriter.rewrite("INSERT INTO tasks (title, tenant_id) VALUES ('a', 7)")?;
/// // The statement spelled its own tenant: it runs only for that tenant.
/// assert!(insert.bind(&TenantId::Int(7), 0).is_ok());
/// assert!(matches!(insert.bind(&TenantId::Int(8), 0), Err(Error::TenantMismatch { .. })));
/// # Ok::<(), tenancy_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    sql: Arc<String>,
    tenant_param: Option<usize>,
    literals: Vec<TenantLiteral>,
}

/// A tenant value the statement wrote itself as a literal, checked against the tenant in scope.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TenantLiteral {
    table: TableName,
    value: String,
}

/// How the tenant appears in the rewritten statement.
#[derive(Debug, Clone)]
enum TenantValue<'t> {
    /// The bind parameter `$N`.
    Placeholder(usize),
    /// A literal, for explaining a rewrite.
    Literal(&'t TenantId),
}

impl Rewriter {
    /// A rewriter over `catalog` with a cache of [`DEFAULT_CACHE_CAPACITY`] statements.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{Catalog, Rewriter};
    /// let rewriter = Rewriter::new(Catalog::builder().tenant_table("tasks").build()?);
    /// assert_eq!(rewriter.catalog().len(), 1);
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    #[must_use]
    pub fn new(catalog: Catalog) -> Self {
        Self::with_cache_capacity(catalog, DEFAULT_CACHE_CAPACITY)
    }

    /// A rewriter over `catalog` whose cache keeps at most `capacity` statements.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{Catalog, Rewriter};
    /// let rewriter = Rewriter::with_cache_capacity(Catalog::builder().build()?, 100);
    /// assert_eq!(rewriter.rewrite("SELECT 1")?.to_string(), "SELECT 1");
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_cache_capacity(catalog: Catalog, capacity: usize) -> Self {
        Self::with_cache(catalog, Arc::new(RewriteCache::new(capacity)))
    }

    /// A rewriter over `catalog` sharing `cache` with other rewriters.
    ///
    /// Entries are keyed by the catalog's generation, so rewriters over different catalogs never
    /// see each other's results; sharing only bounds the total memory.
    ///
    /// # Example
    /// ```
    /// use std::sync::Arc;
    /// use tenancy_core::{Catalog, Rewriter, rewrite::RewriteCache};
    ///
    /// let cache = Arc::new(RewriteCache::new(1_000));
    /// let old = Rewriter::with_cache(Catalog::builder().reference_table("tasks").build()?, cache.clone());
    /// let new = Rewriter::with_cache(Catalog::builder().tenant_table("tasks").build()?, cache);
    /// assert_eq!(old.rewrite("SELECT * FROM tasks")?.to_string(), "SELECT * FROM tasks");
    /// assert_eq!(new.rewrite("SELECT * FROM tasks")?.tenant_param(), Some(1));
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_cache(catalog: Catalog, cache: Arc<RewriteCache>) -> Self {
        Self {
            catalog: Arc::new(catalog),
            cache,
        }
    }

    /// The catalog this rewriter scopes against.
    #[must_use]
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Rewrites `sql` with the tenant as a placeholder, through the cache.
    ///
    /// Refusals are not cached: a refused statement is a bug to fix, not a hot path, and keeping
    /// errors out of the cache keeps the error type free of `Clone`.
    ///
    /// # Errors
    /// [`Error::Parse`] unless `sql` is exactly one statement, [`Error::UnknownTable`] for a table
    /// the catalog does not list, [`Error::Refused`] for a statement that cannot be proven safe.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{Catalog, Error, Rewriter};
    /// let rewriter = Rewriter::new(Catalog::builder().tenant_table("tasks").build()?);
    /// assert!(matches!(rewriter.rewrite("TRUNCATE tasks"), Err(Error::Refused { .. })));
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    pub fn rewrite(&self, sql: &str) -> Result<Arc<Rewritten>, Error> {
        let generation = self.catalog.generation();
        if let Some(hit) = self.cache.get(generation, sql) {
            return Ok(hit);
        }
        let rewritten = Arc::new(self.rewrite_uncached(sql)?);
        self.cache.insert(generation, sql, Arc::clone(&rewritten));
        Ok(rewritten)
    }

    /// Rewrites `sql` like [`rewrite`](Self::rewrite) without reading or filling the cache.
    ///
    /// # Errors
    /// As [`rewrite`](Self::rewrite).
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{Catalog, Rewriter};
    /// let rewriter = Rewriter::new(Catalog::builder().tenant_table("tasks").build()?);
    /// let cold = rewriter.rewrite_uncached("SELECT id FROM tasks")?;
    /// assert_eq!(cold, *rewriter.rewrite("SELECT id FROM tasks")?);
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    pub fn rewrite_uncached(&self, sql: &str) -> Result<Rewritten, Error> {
        statement::rewrite(&self.catalog, sql, None)
    }

    /// Rewrites `sql` with `tenant` rendered as a SQL literal, for explaining a rewrite.
    ///
    /// Never send the result to a database in place of [`rewrite`](Self::rewrite): each tenant
    /// would get its own statement text and plan.
    ///
    /// # Errors
    /// As [`rewrite`](Self::rewrite), plus [`Error::TenantMismatch`] when the statement spells a
    /// different tenant as a literal.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{Catalog, Rewriter, TenantId};
    /// let rewriter = Rewriter::new(Catalog::builder().tenant_table("tasks").build()?);
    /// let sql = rewriter.rewrite_with_literal("INSERT INTO tasks (title) VALUES ('a')", &TenantId::Int(3))?;
    /// assert_eq!(sql, "INSERT INTO tasks (title, tenant_id) VALUES ('a', 3)");
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    pub fn rewrite_with_literal(&self, sql: &str, tenant: &TenantId) -> Result<String, Error> {
        let rewritten = statement::rewrite(&self.catalog, sql, Some(tenant))?;
        rewritten.check_tenant(tenant)?;
        Ok(rewritten.to_string())
    }

    /// Checks that `sql` (one statement, as it will be sent) is scoped to the tenant bound as
    /// `$tenant_param`, without rewriting it.
    ///
    /// This is the verifier every rewrite passes, run on its own: every reference to a tenant
    /// table, at every query level, must be constrained by `<exposed name>.<tenant column> =
    /// $tenant_param` as a top-level conjunct of the clause that filters it (ON for the nullable
    /// side of an outer join), and every tenant value written must be `$tenant_param` or guarded
    /// against it. Use it to check SQL written or changed after rewriting.
    ///
    /// # Errors
    /// [`Error::Parse`] unless `sql` is exactly one statement, [`Error::UnknownTable`] for a table
    /// the catalog does not list, [`Error::Refused`] (mostly
    /// [`RefusalKind::Unverified`](crate::RefusalKind::Unverified)) naming the table and the
    /// position that could not be proven scoped.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{Catalog, Error, RefusalKind, Rewriter};
    ///
    /// let rewriter = Rewriter::new(Catalog::builder().tenant_table("tasks").build()?);
    /// let scoped = rewriter.rewrite("SELECT * FROM tasks WHERE done OR id = $1")?;
    /// rewriter.verify(&scoped.to_string(), 2)?;
    ///
    /// // The same predicate inside the OR does not constrain every row.
    /// let leaky = "SELECT * FROM tasks WHERE done OR id = $1 AND tasks.tenant_id = $2";
    /// assert!(matches!(
    ///     rewriter.verify(leaky, 2),
    ///     Err(Error::Refused { kind: RefusalKind::Unverified, .. })
    /// ));
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    pub fn verify(&self, sql: &str, tenant_param: usize) -> Result<(), Error> {
        use sqlparser::ast::{Expr, Value};
        use sqlparser::dialect::PostgreSqlDialect;
        use sqlparser::parser::Parser;

        let mut statements =
            Parser::parse_sql(&PostgreSqlDialect {}, sql).map_err(|error| Error::Parse {
                message: error.to_string(),
                source: Some(error),
            })?;
        let (Some(statement), None) = (statements.pop(), statements.pop()) else {
            return Err(Error::Parse {
                message: "expected exactly one SQL statement".to_owned(),
                source: None,
            });
        };
        let tenant = Expr::Value(Value::Placeholder(format!("${tenant_param}")).with_empty_span());
        verify::verify(&self.catalog, sql, &statement, &tenant)
    }
}

impl Rewritten {
    /// Checks the statement against the tenant in scope and the caller's parameter count, and
    /// gives the SQL to send with the tenant to bind: the only way to sendable SQL.
    ///
    /// # Errors
    /// [`Error::TenantMismatch`] when a tenant value the statement spells as a literal names
    /// another tenant (the SQL also guards it, but this fails before a round trip);
    /// [`Error::ArgumentCount`] when `arguments` is not the number of parameters the statement
    /// uses before the tenant's.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{Catalog, Error, Rewriter, TenantId};
    ///
    /// let rewriter = Rewriter::new(Catalog::builder().tenant_table("tasks").build()?);
    /// let rewritten = rewriter.rewrite("SELECT * FROM tasks WHERE id = $1")?;
    /// let bound = rewritten.bind(&TenantId::Int(7), 1)?;
    /// assert_eq!(bound.sql(), "SELECT * FROM tasks WHERE (id = $1) AND tasks.tenant_id = $2");
    /// assert_eq!(bound.tenant_param(), Some(2));
    /// assert!(matches!(rewritten.bind(&TenantId::Int(7), 0), Err(Error::ArgumentCount { .. })));
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    pub fn bind(&self, tenant: &TenantId, arguments: usize) -> Result<Bound, Error> {
        self.check_tenant(tenant)?;
        if let Some(param) = self.tenant_param
            && arguments + 1 != param
        {
            return Err(Error::ArgumentCount {
                expected: param - 1,
                found: arguments,
            });
        }
        Ok(Bound {
            sql: Arc::clone(&self.sql),
            tenant_param: self.tenant_param,
        })
    }

    /// The 1-based number of the tenant parameter, or `None` when no tenant table is touched (then
    /// the caller binds nothing extra).
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{Catalog, Rewriter};
    /// let rewriter = Rewriter::new(Catalog::builder().tenant_table("tasks").build()?);
    /// assert_eq!(rewriter.rewrite("SELECT * FROM tasks WHERE id = $1")?.tenant_param(), Some(2));
    /// assert_eq!(rewriter.rewrite("SELECT now()")?.tenant_param(), None);
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    #[must_use]
    pub fn tenant_param(&self) -> Option<usize> {
        self.tenant_param
    }

    fn check_tenant(&self, tenant: &TenantId) -> Result<(), Error> {
        match self.literals.iter().find(|lit| !lit.matches(tenant)) {
            None => Ok(()),
            Some(lit) => Err(Error::TenantMismatch {
                table: lit.table.clone(),
                expected: tenant.to_string(),
                found: lit.value.clone(),
            }),
        }
    }
}

/// Shows the rewritten text with the tenant as `$N`, for reading, logging and `tenancy rewrite`.
///
/// The text is safe on its own (every tenant value it writes is the parameter or guarded against
/// it), but executors send [`Rewritten::bind`]'s [`Bound`], which also checks the parameters.
impl std::fmt::Display for Rewritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.sql)
    }
}

/// A rewritten statement checked against a tenant and a parameter count: what an executor sends.
///
/// # Example
/// ```
/// use tenancy_core::{Catalog, Rewriter, TenantId};
///
/// let rewriter = Rewriter::new(Catalog::builder().tenant_table("tasks").build()?);
/// let bound = rewriter.rewrite("SELECT id FROM tasks")?.bind(&TenantId::Int(1), 0)?;
/// // Bind the tenant as parameter `tenant_param()`, after the statement's own.
/// assert_eq!((bound.sql(), bound.tenant_param()), ("SELECT id FROM tasks WHERE tasks.tenant_id = $1", Some(1)));
/// # Ok::<(), tenancy_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    sql: Arc<String>,
    tenant_param: Option<usize>,
}

impl Bound {
    /// The SQL text to send.
    #[must_use]
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The SQL text as a shared string: cloning it is a reference-count increment, for
    /// executors that keep the text with the query (sqlx's `SqlStr` does).
    #[must_use]
    pub fn shared_sql(&self) -> Arc<String> {
        Arc::clone(&self.sql)
    }

    /// The 1-based number of the parameter the tenant is bound to, after the statement's own; `None`
    /// when the statement touches no tenant table (bind nothing extra).
    #[must_use]
    pub fn tenant_param(&self) -> Option<usize> {
        self.tenant_param
    }
}

impl TenantLiteral {
    /// Compares by the tenant's key kind, so `'42'` and `42` both match `TenantId::Int(42)`.
    fn matches(&self, tenant: &TenantId) -> bool {
        match tenant {
            TenantId::Int(n) => self.value.trim().parse::<i64>() == Ok(*n),
            TenantId::Uuid(u) => uuid::Uuid::parse_str(self.value.trim()) == Ok(*u),
            TenantId::Text(s) => *self.value == **s,
        }
    }
}

#[cfg(test)]
mod tests;
