//! The SQL rewriter: scopes every statement to the current tenant, fail-closed.
//!
//! (Skeleton: implemented by the rewriter work item.)

use std::sync::Arc;

use crate::catalog::Catalog;
use crate::error::Error;
use crate::tenant::TenantId;

/// Rewrites SQL so that it only ever sees and writes the current tenant's rows.
#[derive(Debug)]
pub struct Rewriter {
    catalog: Arc<Catalog>,
}

/// A rewritten statement whose tenant is the bind parameter `$N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    sql: String,
    tenant_param: Option<usize>,
}

impl Rewriter {
    /// A rewriter over `catalog` with the default cache capacity.
    #[must_use]
    pub fn new(catalog: Catalog) -> Self {
        Self {
            catalog: Arc::new(catalog),
        }
    }

    /// The catalog this rewriter scopes against.
    #[must_use]
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Rewrites `sql` with the tenant as a placeholder, through the cache.
    ///
    /// # Errors
    /// A parse error, an unknown table, or a refusal.
    pub fn rewrite(&self, sql: &str) -> Result<Arc<Rewritten>, Error> {
        Err(Error::Parse(format!("rewriter not implemented yet: {sql}")))
    }

    /// Rewrites `sql` with `tenant` rendered as a SQL literal, for explaining a rewrite.
    ///
    /// # Errors
    /// As [`rewrite`](Self::rewrite), plus [`Error::TenantMismatch`].
    pub fn rewrite_with_literal(&self, sql: &str, tenant: &TenantId) -> Result<String, Error> {
        Err(Error::Parse(format!(
            "rewriter not implemented yet: {sql} {tenant}"
        )))
    }
}

impl Rewritten {
    /// The rewritten SQL text.
    #[must_use]
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The 1-based number of the tenant parameter, or `None` when no tenant table is touched.
    #[must_use]
    pub fn tenant_param(&self) -> Option<usize> {
        self.tenant_param
    }

    /// Checks tenant values the statement spelled as literals against `tenant`.
    ///
    /// # Errors
    /// [`Error::TenantMismatch`] when a literal names another tenant.
    pub fn check_tenant(&self, tenant: &TenantId) -> Result<(), Error> {
        let _ = tenant;
        Ok(())
    }
}
