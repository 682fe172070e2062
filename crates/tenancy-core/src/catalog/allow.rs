//! What a catalog allows beyond its tables: functions, settings and system relations the
//! rewriter's allow-list does not know (see `docs/rewriter.md`, "What runs out of the rewriter's
//! sight: the allow-list").

use std::collections::{BTreeMap, BTreeSet};

use super::{TableName, is_system_schema, split_identifier_path};
use crate::error::Error;
use crate::rewrite::policy;

/// The names a catalog allows, validated and folded once when the catalog is built, so the
/// rewriter compares them without allocating.
#[derive(Debug, Default)]
pub(crate) struct Allowed {
    /// schema → function names; unqualified (and `pg_catalog.`, which resolves the same) under "".
    functions: BTreeMap<String, BTreeSet<String>>,
    /// Setting names, ASCII-lower-cased: PostgreSQL compares setting names case-insensitively.
    settings: BTreeSet<String>,
    /// System relations (in `pg_catalog`, `information_schema`, ...).
    relations: BTreeSet<TableName>,
}

/// The names as the caller wrote them, validated by [`Allowed::build`].
#[derive(Debug, Default)]
pub(crate) struct AllowNames {
    pub(crate) functions: Vec<String>,
    pub(crate) settings: Vec<String>,
    pub(crate) relations: Vec<String>,
}

impl Allowed {
    /// Validates and folds every name, refusing the ones that may never be allowed.
    pub(crate) fn build(names: &AllowNames) -> Result<Self, Error> {
        let mut allowed = Self::default();
        for function in &names.functions {
            let (schema, name) = function_name(function)?;
            allowed.functions.entry(schema).or_default().insert(name);
        }
        for setting in &names.settings {
            allowed.settings.insert(setting_name(setting)?);
        }
        for relation in &names.relations {
            allowed.relations.insert(relation_name(relation)?);
        }
        Ok(allowed)
    }

    /// Whether the function `schema.name` (folded; `None` or `pg_catalog` for an unqualified
    /// call) is allowed.
    pub(crate) fn function(&self, schema: Option<&str>, name: &str) -> bool {
        let schema = match schema {
            None | Some("pg_catalog") => "",
            Some(schema) => schema,
        };
        self.functions
            .get(schema)
            .is_some_and(|names| names.contains(name))
    }

    /// Whether the setting `name` (already ASCII-lower-cased) is allowed.
    pub(crate) fn setting(&self, name: &str) -> bool {
        self.settings.contains(name)
    }

    /// Whether the system relation `name` is allowed.
    pub(crate) fn relation(&self, name: &TableName) -> bool {
        self.relations.contains(name)
    }
}

/// `name` or `schema.name`, folded like PostgreSQL; `pg_catalog.` is dropped because a
/// `pg_catalog.`-qualified call resolves exactly like an unqualified one.
fn function_name(text: &str) -> Result<(String, String), Error> {
    let parts = split_identifier_path(text)?;
    let (schema, name) = match parts.as_slice() {
        [name] => (String::new(), name.clone()),
        [schema, name] if schema == "pg_catalog" => (String::new(), name.clone()),
        [schema, name] => (schema.clone(), name.clone()),
        _ => {
            return Err(Error::Catalog(format!(
                "function {text:?} must be `function` or `schema.function`"
            )));
        }
    };
    // Extensions that run SQL text (dblink, tablefunc) live in any schema: refuse them there too.
    if let Some(why) = policy::never_allowed_function(&name) {
        return Err(Error::Catalog(format!(
            "function {name} cannot be allowed: it {why}"
        )));
    }
    Ok((schema, name))
}

/// A setting name as PostgreSQL compares it: case-insensitive, dotted for extension settings.
fn setting_name(text: &str) -> Result<String, Error> {
    let name = text.trim().to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.split('.').all(|part| {
            part.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        });
    if !valid {
        return Err(Error::Catalog(format!(
            "setting {text:?} is not a PostgreSQL setting name (letters, digits and `_`, \
             dotted for extension settings)"
        )));
    }
    if let Some(why) = policy::never_allowed_setting(&name) {
        return Err(Error::Catalog(format!(
            "setting {name} cannot be allowed: it {why}"
        )));
    }
    Ok(name)
}

/// A system relation: schema-qualified, in a system schema. The catalog's own tables are listed
/// as tenant or reference tables instead.
fn relation_name(text: &str) -> Result<TableName, Error> {
    let qualified = split_identifier_path(text)?.len() == 2;
    let name = TableName::parse(text)?;
    if qualified && is_system_schema(name.schema()) {
        Ok(name)
    } else {
        Err(Error::Catalog(format!(
            "relation {text:?} is not a system relation: name it with its system schema (e.g. \
             `pg_catalog.pg_type`); list your own tables as tenant or reference tables"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(functions: &[&str], settings: &[&str], relations: &[&str]) -> AllowNames {
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        AllowNames {
            functions: owned(functions),
            settings: owned(settings),
            relations: owned(relations),
        }
    }

    #[test]
    fn names_fold_like_postgres() -> Result<(), Error> {
        let allowed = Allowed::build(&names(
            &[
                "Similarity",
                "App.\"MyFn\"",
                "pg_catalog.pg_advisory_xact_lock",
            ],
            &["Statement_Timeout", "myext.Mode"],
            &["PG_CATALOG.pg_type", "information_schema.columns"],
        ))?;
        assert!(allowed.function(None, "similarity"));
        assert!(allowed.function(Some("pg_catalog"), "similarity"));
        assert!(!allowed.function(Some("public"), "similarity"));
        assert!(allowed.function(Some("app"), "MyFn"));
        assert!(!allowed.function(Some("app"), "myfn"));
        assert!(!allowed.function(None, "MyFn"));
        assert!(allowed.function(None, "pg_advisory_xact_lock"));
        assert!(allowed.setting("statement_timeout"));
        assert!(allowed.setting("myext.mode"));
        assert!(allowed.relation(&TableName::new("pg_catalog", "pg_type")));
        assert!(allowed.relation(&TableName::new("information_schema", "columns")));
        assert!(!allowed.relation(&TableName::new("pg_catalog", "pg_class")));
        Ok(())
    }

    #[test]
    fn unsafe_or_malformed_names_are_refused_with_reasons() {
        let cases = [
            (names(&["query_to_xml"], &[], &[]), "runs SQL text"),
            (names(&["pg_catalog.ts_stat"], &[], &[]), "runs SQL text"),
            (names(&["dblink_exec"], &[], &[]), "runs SQL text"),
            (names(&["public.dblink"], &[], &[]), "runs SQL text"),
            (names(&["ext.crosstab"], &[], &[]), "runs SQL text"),
            (names(&["set_config"], &[], &[]), "allow_setting"),
            (names(&["a.b.c"], &[], &[]), "schema.function"),
            (names(&[], &["tenancy.tenant_id"], &[]), "cannot be allowed"),
            (names(&[], &["Search_Path"], &[]), "cannot be allowed"),
            (names(&[], &["citus.enable_router_execution"], &[]), "Citus"),
            (
                names(&[], &["standard_conforming_strings"], &[]),
                "reads the text",
            ),
            (names(&[], &["client_encoding"], &[]), "reads the text"),
            (names(&[], &["a b"], &[]), "not a PostgreSQL setting"),
            (names(&[], &["a..b"], &[]), "not a PostgreSQL setting"),
            (names(&[], &[], &["pg_stats"]), "system schema"),
            (names(&[], &[], &["public.tasks"]), "system schema"),
        ];
        for (names, expected) in cases {
            match Allowed::build(&names) {
                Err(Error::Catalog(message)) => {
                    assert!(message.contains(expected), "{names:?}: {message}");
                }
                other => panic!("{names:?} gave {other:?}"),
            }
        }
    }
}
