//! Tenant schema names: validated identifiers, never spliced unchecked into SQL.

use std::fmt;

use tenancy_core::TenantId;

use crate::error::Error;

/// PostgreSQL truncates identifiers longer than this many bytes.
const MAX_IDENTIFIER_LEN: usize = 63;

/// The name of one tenant's schema.
///
/// Only lower-case ASCII letters, digits and `_`, starting with a letter or `_`, at most 63 bytes,
/// and not in PostgreSQL's reserved `pg_` namespace nor `public` / `information_schema`. Such a
/// name needs no quoting, so it can appear in DDL (which cannot take bind parameters) without any
/// way to inject SQL.
///
/// # Example
/// ```
/// use tenancy_sqlx::schema_mode::SchemaName;
/// use tenancy_sqlx::core::TenantId;
///
/// assert_eq!(SchemaName::new("tenant_acme")?.as_str(), "tenant_acme");
/// assert!(SchemaName::new("acme; DROP SCHEMA public").is_err());
/// assert_eq!(SchemaName::for_tenant("t_", &TenantId::from("Acme-Corp"))?.as_str(), "t_acme_corp");
/// # Ok::<(), tenancy_sqlx::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemaName(String);

impl SchemaName {
    /// Validates `name` as a tenant schema name.
    ///
    /// # Errors
    /// [`Error::InvalidSchemaName`] saying which rule the name breaks.
    pub fn new(name: &str) -> Result<Self, Error> {
        let invalid = |reason: &'static str| Error::InvalidSchemaName {
            name: name.to_owned(),
            reason,
        };
        let mut chars = name.chars();
        match chars.next() {
            None => return Err(invalid("it is empty")),
            Some(c) if !(c.is_ascii_lowercase() || c == '_') => {
                return Err(invalid("it must start with a lower-case letter or `_`"));
            }
            Some(_) => {}
        }
        if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(invalid(
                "only lower-case letters, digits and `_` are allowed",
            ));
        }
        if name.len() > MAX_IDENTIFIER_LEN {
            return Err(invalid("PostgreSQL identifiers are at most 63 bytes"));
        }
        if name.starts_with("pg_") || name == "public" || name == "information_schema" {
            return Err(invalid(
                "it is reserved by PostgreSQL or shared by all tenants",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// Derives a schema name from a tenant id: `prefix` followed by the id, lower-cased, with
    /// every character outside `[a-z0-9]` turned into `_`.
    ///
    /// # Errors
    /// [`Error::InvalidSchemaName`] when the result is not a valid name (for instance too long).
    pub fn for_tenant(prefix: &str, tenant: &TenantId) -> Result<Self, Error> {
        let id: String = tenant
            .to_string()
            .chars()
            .map(|c| {
                let c = c.to_ascii_lowercase();
                if c.is_ascii_lowercase() || c.is_ascii_digit() {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Self::new(&format!("{prefix}{id}"))
    }

    /// The name as it appears in SQL (it never needs quoting).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SchemaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_inject_or_collide_are_refused() {
        for bad in [
            "",
            "Tenant",
            "1tenant",
            "ten-ant",
            "tenant\"x",
            "a b",
            "pg_temp",
            "public",
            "information_schema",
            "t;drop",
            "tenant_é",
        ] {
            assert!(SchemaName::new(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(SchemaName::new(&"a".repeat(64)).is_err());
        assert!(SchemaName::new(&"a".repeat(63)).is_ok());
        assert!(SchemaName::new("_t0").is_ok());
    }

    #[test]
    fn tenant_ids_map_to_safe_names() -> Result<(), Error> {
        assert_eq!(
            SchemaName::for_tenant("tenant_", &TenantId::Int(42))?.as_str(),
            "tenant_42"
        );
        assert_eq!(
            SchemaName::for_tenant("t_", &TenantId::from("x'; DROP TABLE y"))?.as_str(),
            "t_x___drop_table_y"
        );
        assert!(SchemaName::for_tenant("T", &TenantId::Int(1)).is_err());
        Ok(())
    }
}
