//! The catalog: which tables are tenant-scoped, by which column, and which are shared.
//!
//! A table that is not in the catalog is refused by the rewriter, never guessed. Catalogs are built
//! in code with [`CatalogBuilder`], loaded from TOML with [`Catalog::from_toml_str`] (the format is
//! a contract shared with the `tenancy` CLI), or introspected from a live database by `tenancy-sqlx`.

mod allow;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;

use crate::error::Error;
use allow::{AllowNames, Allowed};

/// The schema an unqualified name refers to.
pub const DEFAULT_SCHEMA: &str = "public";

/// The tenant column used when the catalog names none.
pub const DEFAULT_TENANT_COLUMN: &str = "tenant_id";

/// Whether `schema` is one of PostgreSQL's system schemas: `information_schema`, or any name
/// starting with `pg_` (`pg_catalog`, `pg_toast`, `pg_temp_3`, ...), which PostgreSQL reserves.
/// Their relations describe every tenant's data (`pg_stats` holds sample values of every column),
/// so the rewriter reads them only when the catalog allows them by name.
pub(crate) fn is_system_schema(schema: &str) -> bool {
    schema.starts_with("pg_") || schema == "information_schema"
}

static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

/// A schema-qualified table name with PostgreSQL identifier folding already applied.
///
/// # Example
/// ```
/// use tenancy_core::TableName;
///
/// let t = TableName::parse("App.\"Tasks\"")?;
/// assert_eq!(t.schema(), "app");
/// assert_eq!(t.name(), "Tasks");
/// assert_eq!(TableName::parse("tasks")?.to_string(), "public.tasks");
/// # Ok::<(), tenancy_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableName {
    schema: String,
    name: String,
}

impl TableName {
    /// A name from already-folded parts.
    #[must_use]
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// Parses `table` or `schema.table`, folding unquoted parts to lower case and keeping
    /// double-quoted parts exactly (with `""` as an escaped quote).
    ///
    /// # Errors
    /// [`Error::Catalog`] for empty parts, unbalanced quotes or more than two parts.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let parts = split_identifier_path(text)?;
        match parts.as_slice() {
            [name] => Ok(Self::new(DEFAULT_SCHEMA, name.clone())),
            [schema, name] => Ok(Self::new(schema.clone(), name.clone())),
            _ => Err(Error::Catalog(format!(
                "table name {text:?} must be `table` or `schema.table`"
            ))),
        }
    }

    /// The schema, folded.
    #[must_use]
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The table name, folded.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}",
            quote_identifier(&self.schema),
            quote_identifier(&self.name)
        )
    }
}

/// Quotes an identifier for SQL text when PostgreSQL needs it (upper case, symbols, a leading
/// digit), doubling embedded quotes; plain lower-case identifiers stay as they are.
///
/// # Example
/// ```
/// use tenancy_core::catalog::quote_identifier;
/// assert_eq!(quote_identifier("tenant_id"), "tenant_id");
/// assert_eq!(quote_identifier("Org\"Id"), "\"Org\"\"Id\"");
/// ```
#[must_use]
pub fn quote_identifier(ident: &str) -> String {
    if needs_quotes(ident) {
        format!("\"{}\"", ident.replace('"', "\"\""))
    } else {
        ident.to_owned()
    }
}

/// Whether PostgreSQL would misread `ident` written without double quotes: anything but a
/// lower-case ASCII name that is not a reserved keyword.
pub(crate) fn needs_quotes(ident: &str) -> bool {
    let bytes = ident.as_bytes();
    let plain = bytes
        .first()
        .is_some_and(|b| b.is_ascii_lowercase() || *b == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
    !plain || RESERVED_KEYWORDS.binary_search(&ident).is_ok()
}

/// PostgreSQL's reserved and type/function-name keywords: as identifiers they must be quoted.
const RESERVED_KEYWORDS: [&str; 101] = [
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// Folds one identifier the way PostgreSQL does: unquoted to lower case, quoted kept as written.
///
/// # Errors
/// [`Error::Catalog`] when the identifier is empty or malformed.
pub fn fold_identifier(text: &str) -> Result<String, Error> {
    match split_identifier_path(text)?.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(Error::Catalog(format!(
            "{text:?} must be a single identifier"
        ))),
    }
}

fn split_identifier_path(text: &str) -> Result<Vec<String>, Error> {
    let bad = |why: &str| Error::Catalog(format!("identifier {text:?}: {why}"));
    let mut parts = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    Some('"') => break,
                    Some(c) => part.push(c),
                    None => return Err(bad("unterminated quote")),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                if c == '"' || c.is_whitespace() {
                    return Err(bad("unexpected quote or space"));
                }
                // PostgreSQL folds only ASCII letters (UTF-8 databases keep `É` as written).
                part.push(c.to_ascii_lowercase());
                chars.next();
            }
        }
        if part.is_empty() {
            return Err(bad("empty part"));
        }
        parts.push(part);
        match chars.next() {
            None => return Ok(parts),
            Some('.') => {}
            Some(_) => return Err(bad("expected `.` between parts")),
        }
    }
}

/// How the rewriter treats a table.
///
/// # Example
/// ```
/// use tenancy_core::{Catalog, TableName, TableRole};
///
/// let catalog = Catalog::builder().tenant_table("tasks").reference_table("plans").build()?;
/// let tasks = catalog.role(&TableName::parse("tasks")?);
/// assert_eq!(tasks, Some(&TableRole::Tenant { column: "tenant_id".into() }));
/// # Ok::<(), tenancy_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TableRole {
    /// Rows belong to one tenant, named by `column` (the tenant table itself uses its key).
    Tenant {
        /// The tenant column, folded.
        column: String,
    },
    /// Shared by all tenants and never filtered (plans, countries, feature flags).
    Reference,
}

/// The set of tables the rewriter may touch, and how.
///
/// Immutable once built; each catalog gets a fresh [`generation`](Catalog::generation), which keys
/// the rewrite cache so that swapping catalogs can never serve a stale rewrite.
///
/// # Example
/// ```
/// use tenancy_core::Catalog;
///
/// let catalog = Catalog::from_toml_str(r#"
///     default_tenant_column = "tenant_id"
///     [tables.accounts]
///     tenant_column = "id"
///     [tables.tasks]
///     [tables."app.comments"]
///     tenant_column = "org_id"
///     [tables.plans]
///     reference = true
/// "#)?;
/// assert_eq!(catalog.len(), 4);
/// # Ok::<(), tenancy_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Catalog {
    default_tenant_column: String,
    /// schema → table → listing: looked up with borrowed parts, so resolving a table in the
    /// rewriter allocates nothing. Iterates in [`TableName`] order.
    tables: BTreeMap<String, BTreeMap<String, Listed>>,
    /// Functions, settings and system relations allowed beyond the rewriter's defaults.
    allowed: Allowed,
    generation: u64,
}

/// One table of a [`Catalog`], with what the rewriter needs to know of it.
#[derive(Debug)]
pub(crate) struct Listed {
    /// The table's full, folded name.
    pub(crate) name: TableName,
    pub(crate) role: TableRole,
    /// Whether the tenant column must be written in double quotes: decided once when the
    /// catalog is built, not on every rewrite.
    pub(crate) quote_column: bool,
}

impl Catalog {
    /// Starts a catalog in code.
    #[must_use]
    pub fn builder() -> CatalogBuilder {
        CatalogBuilder::default()
    }

    /// Parses the TOML catalog format (see the type-level example and `docs/rewriter.md`).
    ///
    /// # Errors
    /// [`Error::Catalog`] for malformed TOML, unknown keys, bad identifiers, a table listed twice
    /// under different spellings, or a table that is both a reference table and has a tenant column.
    pub fn from_toml_str(text: &str) -> Result<Self, Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            default_tenant_column: Option<String>,
            #[serde(default)]
            tables: BTreeMap<String, Entry>,
            #[serde(default)]
            allow: Allow,
        }
        #[derive(Deserialize, Default)]
        #[serde(deny_unknown_fields)]
        struct Allow {
            #[serde(default)]
            functions: Vec<String>,
            #[serde(default)]
            settings: Vec<String>,
            #[serde(default)]
            relations: Vec<String>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Entry {
            tenant_column: Option<String>,
            #[serde(default)]
            reference: bool,
        }

        let file: File = toml::from_str(text).map_err(|e| Error::Catalog(e.to_string()))?;
        let mut builder = Self::builder();
        if let Some(column) = &file.default_tenant_column {
            builder = builder.default_tenant_column(column);
        }
        for (key, entry) in &file.tables {
            builder = match (entry.reference, &entry.tenant_column) {
                (true, Some(_)) => {
                    return Err(Error::Catalog(format!(
                        "table {key:?} cannot be both `reference = true` and have a `tenant_column`"
                    )));
                }
                (true, None) => builder.reference_table(key),
                (false, Some(column)) => builder.tenant_table_by(key, column),
                (false, None) => builder.tenant_table(key),
            };
        }
        builder.allow = AllowNames {
            functions: file.allow.functions,
            settings: file.allow.settings,
            relations: file.allow.relations,
        };
        builder.build()
    }

    /// The role of `table`, if the catalog lists it. A system relation the catalog allows
    /// (see [`CatalogBuilder::allow_relation`]) is a reference table; other system relations are
    /// not listed.
    #[must_use]
    pub fn role(&self, table: &TableName) -> Option<&TableRole> {
        static REFERENCE: TableRole = TableRole::Reference;
        match self.entry(table.schema(), table.name()) {
            Some(listed) => Some(&listed.role),
            None => self.allows_relation(table).then_some(&REFERENCE),
        }
    }

    /// Whether the catalog allows calling the function `schema.name` (folded; `None` for an
    /// unqualified call) beyond the rewriter's built-in allow-list.
    pub(crate) fn allows_function(&self, schema: Option<&str>, name: &str) -> bool {
        self.allowed.function(schema, name)
    }

    /// Whether the catalog allows changing the setting `name` (ASCII-lower-cased).
    pub(crate) fn allows_setting(&self, name: &str) -> bool {
        self.allowed.setting(name)
    }

    /// Whether the catalog allows reading the system relation `name`: it lists the relation
    /// (as a reference table, say) or allows it with [`CatalogBuilder::allow_relation`].
    pub(crate) fn allows_relation(&self, name: &TableName) -> bool {
        is_system_schema(name.schema())
            && (self.allowed.relation(name) || self.entry(name.schema(), name.name()).is_some())
    }

    /// The listed table `schema.name` (both already folded), without allocating.
    pub(crate) fn entry(&self, schema: &str, name: &str) -> Option<&Listed> {
        self.tables.get(schema)?.get(name)
    }

    /// Like [`role`](Self::role), but an unknown table is an error (the rewriter fails closed).
    ///
    /// # Errors
    /// [`Error::UnknownTable`] when the catalog does not list `table`.
    pub fn require(&self, table: &TableName) -> Result<&TableRole, Error> {
        self.role(table).ok_or_else(|| Error::UnknownTable {
            table: table.clone(),
        })
    }

    /// The column used for tenant tables that name none.
    #[must_use]
    pub fn default_tenant_column(&self) -> &str {
        &self.default_tenant_column
    }

    /// Every listed table with its role, in name order.
    pub fn tables(&self) -> impl Iterator<Item = (&TableName, &TableRole)> {
        self.tables
            .values()
            .flat_map(|tables| tables.values().map(|listed| (&listed.name, &listed.role)))
    }

    /// How many tables are listed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.tables.values().map(BTreeMap::len).sum()
    }

    /// Whether no table is listed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// A process-unique number for this catalog instance, used to key rewrite caches. Every
    /// build gets a new one, so tables and allow-lists alike take part in the cache key.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// Builds a [`Catalog`] in code.
///
/// Table names follow PostgreSQL rules: `"tasks"` means `public.tasks`, `"app.tasks"` names the
/// schema, unquoted parts fold to lower case. Errors surface at [`build`](Self::build).
///
/// # Example
/// ```
/// use tenancy_core::Catalog;
///
/// let catalog = Catalog::builder()
///     .default_tenant_column("org_id")
///     .tenant_table_by("organizations", "id")
///     .tenant_table("projects")
///     .reference_table("plans")
///     .build()?;
/// assert_eq!(catalog.default_tenant_column(), "org_id");
/// # Ok::<(), tenancy_core::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct CatalogBuilder {
    default_tenant_column: Option<String>,
    entries: Vec<(String, Option<String>, bool)>,
    allow: AllowNames,
}

impl CatalogBuilder {
    /// Sets the tenant column for tables that name none (default `tenant_id`).
    #[must_use]
    pub fn default_tenant_column(mut self, column: &str) -> Self {
        self.default_tenant_column = Some(column.to_owned());
        self
    }

    /// Adds a tenant table scoped by the default tenant column.
    #[must_use]
    pub fn tenant_table(mut self, table: &str) -> Self {
        self.entries.push((table.to_owned(), None, false));
        self
    }

    /// Adds a tenant table scoped by `column` (for the tenant table itself, its key).
    #[must_use]
    pub fn tenant_table_by(mut self, table: &str, column: &str) -> Self {
        self.entries
            .push((table.to_owned(), Some(column.to_owned()), false));
        self
    }

    /// Adds a reference table, shared by all tenants and never filtered.
    #[must_use]
    pub fn reference_table(mut self, table: &str) -> Self {
        self.entries.push((table.to_owned(), None, true));
        self
    }

    /// Allows statements to call the function `name` (`function` or `schema.function`, folded
    /// like PostgreSQL), which the rewriter cannot see into: say so only for a function that reads
    /// and writes nothing but its arguments, or only the current tenant's rows. An unqualified
    /// name allows unqualified calls (and `pg_catalog.` ones); a qualified name allows calls
    /// qualified with that schema. Functions that run SQL text (`query_to_xml`, `dblink`, ...)
    /// and `set_config` (see [`allow_setting`](Self::allow_setting)) cannot be allowed.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{Catalog, Rewriter};
    ///
    /// let catalog = Catalog::builder()
    ///     .tenant_table("users")
    ///     .allow_function("similarity")
    ///     .allow_function("app.slugify")
    ///     .build()?;
    /// let rewriter = Rewriter::new(catalog);
    /// assert!(rewriter.rewrite("SELECT app.slugify(name) FROM users WHERE similarity(name, $1) > 0.3").is_ok());
    /// assert!(rewriter.rewrite("SELECT slugify(name) FROM users").is_err());
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    #[must_use]
    pub fn allow_function(mut self, name: &str) -> Self {
        self.allow.functions.push(name.to_owned());
        self
    }

    /// Allows statements to change the setting `name` with `SET`, `RESET` or `set_config`
    /// (compared case-insensitively, like PostgreSQL). A few harmless settings are allowed
    /// without this (`statement_timeout`, `lock_timeout`, `idle_in_transaction_session_timeout`,
    /// `application_name`); settings that decide which rows a session sees or how PostgreSQL
    /// reads the statement's text (`tenancy.*`, `search_path`, `role`,
    /// `standard_conforming_strings`, `client_encoding`, `citus.*`, ...) cannot be allowed.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{Catalog, Rewriter};
    ///
    /// let rewriter = Rewriter::new(Catalog::builder().allow_setting("TimeZone").build()?);
    /// assert!(rewriter.rewrite("SET TIME ZONE 'UTC'").is_ok());
    /// assert!(rewriter.rewrite("SET work_mem = '64MB'").is_err());
    /// assert!(Catalog::builder().allow_setting("search_path").build().is_err());
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    #[must_use]
    pub fn allow_setting(mut self, name: &str) -> Self {
        self.allow.settings.push(name.to_owned());
        self
    }

    /// Allows statements to read the system relation `name`, written with its system schema
    /// (`pg_catalog.pg_type`, `information_schema.columns`). System catalogs and statistics views
    /// describe every tenant's data, so none is readable unless allowed.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{Catalog, Rewriter};
    ///
    /// let rewriter = Rewriter::new(Catalog::builder().allow_relation("pg_catalog.pg_type").build()?);
    /// assert!(rewriter.rewrite("SELECT typname FROM pg_type").is_ok());
    /// assert!(rewriter.rewrite("SELECT * FROM pg_stats").is_err());
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    #[must_use]
    pub fn allow_relation(mut self, name: &str) -> Self {
        self.allow.relations.push(name.to_owned());
        self
    }

    /// Validates every name and builds the catalog.
    ///
    /// # Errors
    /// [`Error::Catalog`] for a malformed identifier, a table listed twice, or an allowed name
    /// that may never be allowed.
    pub fn build(self) -> Result<Catalog, Error> {
        let allowed = Allowed::build(&self.allow)?;
        let default_tenant_column = match &self.default_tenant_column {
            Some(column) => fold_identifier(column)?,
            None => DEFAULT_TENANT_COLUMN.to_owned(),
        };
        let mut tables: BTreeMap<String, BTreeMap<String, Listed>> = BTreeMap::new();
        for (table, column, reference) in self.entries {
            let name = TableName::parse(&table)?;
            let role = if reference {
                TableRole::Reference
            } else {
                let column = match &column {
                    Some(column) => fold_identifier(column)?,
                    None => default_tenant_column.clone(),
                };
                TableRole::Tenant { column }
            };
            let quote_column = match &role {
                TableRole::Tenant { column } => needs_quotes(column),
                TableRole::Reference => false,
            };
            let in_schema = tables.entry(name.schema().to_owned()).or_default();
            let listed = Listed {
                name: name.clone(),
                role,
                quote_column,
            };
            if in_schema.insert(name.name().to_owned(), listed).is_some() {
                return Err(Error::Catalog(format!("table {name} is listed twice")));
            }
        }
        Ok(Catalog {
            default_tenant_column,
            tables,
            allowed,
            generation: NEXT_GENERATION.fetch_add(1, Ordering::Relaxed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_like_postgres() -> Result<(), Error> {
        assert_eq!(
            TableName::parse("Tasks")?,
            TableName::new("public", "tasks")
        );
        assert_eq!(
            TableName::parse("\"Tasks\"")?,
            TableName::new("public", "Tasks")
        );
        assert_eq!(
            TableName::parse("App.\"a\"\"b\"")?,
            TableName::new("app", "a\"b")
        );
        // Only ASCII letters fold, as in a UTF-8 PostgreSQL database.
        assert_eq!(TableName::parse("ÉTÉ")?, TableName::new("public", "ÉtÉ"));
        assert_eq!(
            TableName::new("public", "Tasks").to_string(),
            "public.\"Tasks\""
        );
        for bad in ["", "a..b", "a.b.c", "\"open", "a b", "a.\"\""] {
            assert!(TableName::parse(bad).is_err(), "{bad:?} should be refused");
        }
        Ok(())
    }

    #[test]
    fn identifiers_are_quoted_only_when_needed() {
        assert!(RESERVED_KEYWORDS.is_sorted());
        assert_eq!(quote_identifier("tasks"), "tasks");
        assert_eq!(quote_identifier("user"), "\"user\"");
        assert_eq!(quote_identifier("1st"), "\"1st\"");
        assert_eq!(
            TableName::new("public", "order").to_string(),
            "public.\"order\""
        );
    }

    #[test]
    fn toml_contract_format_loads() -> Result<(), Error> {
        let catalog = Catalog::from_toml_str(
            r#"
            default_tenant_column = "tenant_id"
            [tables.accounts]
            tenant_column = "id"
            [tables.tasks]
            [tables.comments]
            tenant_column = "org_id"
            [tables.plans]
            reference = true
            [tables."app.Events"]
            "#,
        )?;
        let role = |t: &str| TableName::parse(t).map(|t| catalog.role(&t).cloned());
        let tenant = |c: &str| Some(TableRole::Tenant { column: c.into() });
        assert_eq!(role("accounts")?, tenant("id"));
        assert_eq!(role("public.tasks")?, tenant("tenant_id"));
        assert_eq!(role("comments")?, tenant("org_id"));
        assert_eq!(role("plans")?, Some(TableRole::Reference));
        assert_eq!(role("app.events")?, tenant("tenant_id"));
        // System relations are readable only when allowed.
        assert_eq!(role("pg_catalog.pg_class")?, None);
        assert_eq!(role("other")?, None);
        Ok(())
    }

    #[test]
    fn bad_catalogs_are_refused_with_reasons() {
        let cases = [
            (
                "[tables.t]\nreference = true\ntenant_column = \"x\"",
                "both",
            ),
            ("[tables.t]\ncolour = 1", "unknown field"),
            ("[tables.t]\n[tables.T]", "listed twice"),
            ("[tables.\"a b\"]", "identifier"),
            ("[allow]\ncolours = []", "unknown field"),
            ("[allow]\nfunctions = \"now\"", "sequence"),
            ("[allow]\nfunctions = [\"query_to_xml\"]", "runs SQL text"),
            ("[allow]\nsettings = [\"search_path\"]", "cannot be allowed"),
            ("[allow]\nrelations = [\"pg_stats\"]", "system schema"),
        ];
        for (text, expected) in cases {
            match Catalog::from_toml_str(text) {
                Err(Error::Catalog(msg)) => assert!(msg.contains(expected), "{msg}"),
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn toml_allow_section_loads() -> Result<(), Error> {
        let catalog = Catalog::from_toml_str(
            r#"
            [tables.tasks]
            [allow]
            functions = ["my_schema.my_fn", "Similarity"]
            settings = ["TimeZone"]
            relations = ["pg_catalog.pg_type"]
            "#,
        )?;
        assert!(catalog.allows_function(Some("my_schema"), "my_fn"));
        assert!(catalog.allows_function(None, "similarity"));
        assert!(!catalog.allows_function(None, "my_fn"));
        assert!(catalog.allows_setting("timezone"));
        let pg_type = TableName::new("pg_catalog", "pg_type");
        assert!(catalog.allows_relation(&pg_type));
        assert_eq!(catalog.role(&pg_type), Some(&TableRole::Reference));
        assert_eq!(catalog.len(), 1);
        Ok(())
    }

    #[test]
    fn system_schemas_are_the_reserved_ones() {
        for schema in ["pg_catalog", "information_schema", "pg_toast", "pg_temp_3"] {
            assert!(is_system_schema(schema), "{schema}");
        }
        for schema in ["public", "app", "PG_CATALOG", "information_schema2"] {
            assert!(!is_system_schema(schema), "{schema}");
        }
    }

    #[test]
    fn each_catalog_has_its_own_generation() -> Result<(), Error> {
        let a = Catalog::builder().build()?;
        let b = Catalog::builder().build()?;
        assert_ne!(a.generation(), b.generation());
        Ok(())
    }
}
