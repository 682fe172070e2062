//! The readiness checker: what stops this schema from being distributed by tenant, and the SQL
//! that fixes it — found before Citus refuses it.

use sqlx::PgPool;
use tenancy_core::catalog::quote_identifier;
use tenancy_core::{Catalog, TableName, TableRole};

use super::ddl::{self, Alteration};
use super::metadata::{self, Distribution};
use super::report::{Finding, FindingKind, FixPhase, ReadinessReport, Severity};
use super::schema::{self, ForeignKey, Key};
use super::statements::{SourceStatement, distribution_column_updates};
use crate::error::Error;

/// What [`check_readiness`] checks besides the live schema.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::{ReadinessOptions, SourceStatement};
/// use tenancy_sqlx::core::TableName;
///
/// let options = ReadinessOptions::default()
///     .tenant_table(TableName::parse("accounts")?)
///     .statements([SourceStatement::new("jobs.sql:3", "UPDATE tasks SET tenant_id = 2")]);
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ReadinessOptions {
    tenant_table: Option<TableName>,
    statements: Vec<SourceStatement>,
}

impl ReadinessOptions {
    /// Names the tenant table itself, which every tenant table is colocated with. By default it
    /// is the tenant table whose primary key is exactly its tenant column (the first such, by
    /// name), or else the first tenant table.
    pub fn tenant_table(mut self, table: TableName) -> Self {
        self.tenant_table = Some(table);
        self
    }

    /// Statements to check for writes to the tenant (distribution) column.
    pub fn statements<I: IntoIterator<Item = SourceStatement>>(mut self, statements: I) -> Self {
        self.statements.extend(statements);
        self
    }
}

/// Lists everything that would stop `catalog`'s tables from being distributed by tenant on
/// Citus, each with the SQL that fixes it.
///
/// Works on plain PostgreSQL (before migrating) and on Citus (where it also checks that tenant
/// tables are distributed by their tenant column and colocated, and reference tables are
/// reference tables). Checks:
/// - every catalog table exists, and every tenant table has its tenant column, of the tenant
///   table's key type, `NOT NULL`;
/// - primary keys, unique constraints and indexes, exclusion constraints include the tenant column;
/// - foreign keys between tenant tables pair the two tenant columns; foreign keys into tenant
///   tables come only from tenant tables; referential actions Citus refuses on the tenant column;
/// - columns filled from a sequence (a warning: ids are shared by all tenants);
/// - the given statements never assign the tenant column.
///
/// # Errors
/// Database errors.
///
/// # Example
/// ```no_run
/// # async fn run(pool: sqlx::PgPool, catalog: tenancy_sqlx::core::Catalog) -> Result<(), tenancy_sqlx::Error> {
/// use tenancy_sqlx::citus::{check_readiness, ReadinessOptions};
///
/// let report = check_readiness(&pool, &catalog, &ReadinessOptions::default()).await?;
/// println!("{report}");
/// if !report.is_ready() {
///     for statement in report.fix_script() {
///         println!("{statement}");
///     }
/// }
/// # Ok(()) }
/// ```
pub async fn check_readiness(
    pool: &PgPool,
    catalog: &Catalog,
    options: &ReadinessOptions,
) -> Result<ReadinessReport, Error> {
    let citus = metadata::has_citus(pool).await?;
    let mut findings = Vec::new();
    let mut present = Vec::new();
    for (table, _) in catalog.tables() {
        if schema::table_exists(pool, table).await? {
            present.push(table.clone());
        } else {
            findings.push(
                Finding::new(
                    Severity::Blocker,
                    FindingKind::MissingTable,
                    Some(table.clone()),
                    format!("{table} is in the catalog but not in the database"),
                )
                .with_advice("create the table, or remove it from the catalog"),
            );
        }
    }
    let tenant_tables: Vec<(TableName, String)> = present
        .iter()
        .filter_map(|t| match catalog.role(t) {
            Some(TableRole::Tenant { column }) => Some((t.clone(), column.clone())),
            _ => None,
        })
        .collect();
    let anchor = anchor(pool, &tenant_tables, options).await?;
    let anchor_type = match &anchor {
        Some((table, column)) => schema::column(pool, table, column)
            .await?
            .map(|c| c.type_name),
        None => None,
    };
    for (table, column) in &tenant_tables {
        let is_anchor = anchor.as_ref().is_some_and(|(a, _)| a == table);
        let expected_type = anchor_type.as_deref().unwrap_or("bigint");
        check_tenant_column(pool, table, column, expected_type, is_anchor, &mut findings).await?;
        for key in schema::keys(pool, table).await? {
            if !key.columns.iter().any(|c| c == column) {
                findings.push(key_finding(table, column, &key));
            }
        }
        for sequence in schema::sequence_columns(pool, table).await? {
            findings.push(sequence_finding(
                table,
                &sequence.column,
                &sequence.type_name,
            ));
        }
    }
    for key in schema::foreign_keys(pool, &present).await? {
        findings.extend(foreign_key_findings(catalog, &key));
    }
    if citus && let Some((anchor_table, _)) = &anchor {
        check_distribution(pool, catalog, &present, anchor_table, &mut findings).await?;
    }
    findings.extend(distribution_column_updates(catalog, &options.statements));
    Ok(ReadinessReport::new(
        citus,
        anchor.map(|(table, _)| table),
        findings,
    ))
}

/// The table to colocate with: the named one, or the tenant table keyed by its tenant column.
async fn anchor(
    pool: &PgPool,
    tenant_tables: &[(TableName, String)],
    options: &ReadinessOptions,
) -> Result<Option<(TableName, String)>, Error> {
    if let Some(named) = &options.tenant_table {
        return Ok(tenant_tables.iter().find(|(t, _)| t == named).cloned());
    }
    for (table, column) in tenant_tables {
        let keyed_by_tenant = schema::keys(pool, table)
            .await?
            .iter()
            .any(|k| k.kind == 'p' && k.columns == [column.clone()]);
        if keyed_by_tenant {
            return Ok(Some((table.clone(), column.clone())));
        }
    }
    Ok(tenant_tables.first().cloned())
}

async fn check_tenant_column(
    pool: &PgPool,
    table: &TableName,
    column: &str,
    expected_type: &str,
    is_anchor: bool,
    findings: &mut Vec<Finding>,
) -> Result<(), Error> {
    let quoted = quote_identifier(column);
    let Some(facts) = schema::column(pool, table, column).await? else {
        findings.push(
            Finding::new(
                Severity::Blocker,
                FindingKind::MissingTenantColumn,
                Some(table.clone()),
                format!("{table} has no tenant column {column}"),
            )
            .with_fix(
                FixPhase::Columns,
                format!("ALTER TABLE {table} ADD COLUMN {quoted} {expected_type}"),
            )
            .with_fix(
                FixPhase::Columns,
                format!("ALTER TABLE {table} ALTER COLUMN {quoted} SET NOT NULL"),
            )
            .with_advice(format!(
                "if {table} has rows, fill {column} (UPDATE ... FROM the parent row) between \
                 the two statements"
            )),
        );
        return Ok(());
    };
    if !is_anchor && facts.type_name != expected_type {
        findings.push(
            Finding::new(
                Severity::Blocker,
                FindingKind::TenantColumnType,
                Some(table.clone()),
                format!(
                    "{table}.{column} is {} but the tenant table's key is {expected_type}; \
                     Citus colocates only distribution columns of one type",
                    facts.type_name
                ),
            )
            .with_fix(
                FixPhase::Columns,
                format!("ALTER TABLE {table} ALTER COLUMN {quoted} TYPE {expected_type}"),
            ),
        );
    }
    if !facts.not_null {
        findings.push(
            Finding::new(
                Severity::Warning,
                FindingKind::NullableTenantColumn,
                Some(table.clone()),
                format!(
                    "{table}.{column} allows NULL; Citus refuses rows without a distribution value"
                ),
            )
            .with_fix(
                FixPhase::Columns,
                format!("ALTER TABLE {table} ALTER COLUMN {quoted} SET NOT NULL"),
            ),
        );
    }
    Ok(())
}

fn key_finding(table: &TableName, column: &str, key: &Key) -> Finding {
    let (what, keyword) = match key.kind {
        'p' => ("primary key", Some("PRIMARY KEY")),
        'u' => ("unique constraint", Some("UNIQUE")),
        'x' => ("exclusion constraint", None),
        _ => ("unique index", None),
    };
    let finding = Finding::new(
        Severity::Blocker,
        FindingKind::KeyWithoutTenantColumn,
        Some(table.clone()),
        format!(
            "{what} {} ({}) of {table} does not include the tenant column {column}; Citus \
             can only enforce uniqueness within a shard",
            key.name,
            key.columns.join(", ")
        ),
    );
    let name = quote_identifier(&key.name);
    let columns = column_list(column, &key.columns);
    match (key.kind, keyword) {
        (_, Some(keyword)) => finding.with_fix(
            FixPhase::Keys,
            format!(
                "ALTER TABLE {table} DROP CONSTRAINT {name}, ADD CONSTRAINT {name} {keyword} ({columns})"
            ),
        ),
        ('x', None) => finding.with_advice(format!(
            "recreate it with `{} WITH =` as its first element (gist needs the btree_gist extension)",
            quote_identifier(column)
        )),
        _ => match with_leading_column(&key.index_definition, column) {
            Some(definition) => finding
                .with_fix(
                    FixPhase::Keys,
                    format!(
                        "DROP INDEX {}.{name}",
                        quote_identifier(table.schema())
                    ),
                )
                .with_fix(FixPhase::Keys, definition),
            None => finding.with_advice(format!(
                "recreate the index with {column} as its first column"
            )),
        },
    }
}

/// `CREATE UNIQUE INDEX ... USING btree (a, b)` with `column` put first in the column list.
fn with_leading_column(definition: &str, column: &str) -> Option<String> {
    let using = definition.find(" USING ")?;
    let open = using + definition[using..].find('(')?;
    Some(format!(
        "{}({}, {}",
        &definition[..open],
        quote_identifier(column),
        &definition[open + 1..]
    ))
}

/// `tenant_column, other, ...` with every part quoted.
fn column_list(tenant_column: &str, others: &[String]) -> String {
    std::iter::once(tenant_column)
        .chain(
            others
                .iter()
                .map(String::as_str)
                .filter(|c| *c != tenant_column),
        )
        .map(quote_identifier)
        .collect::<Vec<_>>()
        .join(", ")
}

fn sequence_finding(table: &TableName, column: &str, type_name: &str) -> Finding {
    let mut advice = String::from(
        "values come from one sequence shared by every tenant: ids are unique across tenants \
         (keep keys as (tenant, id)), not gap-free per tenant, and their growth shows other \
         tenants' activity; use UUIDs or a per-tenant counter where that matters",
    );
    if matches!(type_name, "integer" | "smallint") {
        advice.push_str(&format!(
            "; on Citus make it bigint (ALTER TABLE {table} ALTER COLUMN {} TYPE bigint), since \
             workers draw from disjoint ranges of a bigint sequence",
            quote_identifier(column)
        ));
    }
    Finding::new(
        Severity::Warning,
        FindingKind::SharedSequence,
        Some(table.clone()),
        format!("{table}.{column} ({type_name}) is filled from a sequence shared by all tenants"),
    )
    .with_advice(advice)
}

fn foreign_key_findings(catalog: &Catalog, key: &ForeignKey) -> Vec<Finding> {
    let child_role = catalog.role(&key.child);
    let parent_role = catalog.role(&key.parent);
    let label = format!(
        "foreign key {} {} ({}) -> {} ({})",
        key.name,
        key.child,
        key.child_columns.join(", "),
        key.parent,
        key.parent_columns.join(", ")
    );
    let drop = format!(
        "ALTER TABLE {} DROP CONSTRAINT {}",
        key.child,
        quote_identifier(&key.name)
    );
    let mut findings = Vec::new();
    match (child_role, parent_role) {
        (Some(TableRole::Tenant { column: child }), Some(TableRole::Tenant { column: parent })) => {
            let paired = key
                .child_columns
                .iter()
                .zip(&key.parent_columns)
                .any(|(c, p)| c == child && p == parent);
            if paired {
                if let Some(finding) = action_finding(key, child, &label, &drop, parent) {
                    findings.push(finding);
                }
            } else if key
                .child_columns
                .iter()
                .zip(&key.parent_columns)
                .any(|(c, p)| p == parent && c != child)
            {
                // The parent's tenant column is matched by another column: a row of the tenant
                // table named by something other than this row's tenant, i.e. across tenants.
                findings.push(
                    Finding::new(
                        Severity::Blocker,
                        FindingKind::ForeignKeyWithoutTenantColumn,
                        Some(key.child.clone()),
                        format!(
                            "{label} matches {}.{parent} with a column other than {child}, so it \
                             can point into another tenant; Citus: \"cannot create foreign key \
                             constraint\"",
                            key.parent
                        ),
                    )
                    .with_fix(FixPhase::DropForeignKeys, drop)
                    .with_advice(format!(
                        "if the column always names this row's own tenant, use {child} instead; \
                         otherwise check the reference in application code"
                    )),
                );
            } else {
                findings.push(
                    Finding::new(
                        Severity::Blocker,
                        FindingKind::ForeignKeyWithoutTenantColumn,
                        Some(key.child.clone()),
                        format!(
                            "{label} does not pair {child} with {parent}; Citus: \"cannot create \
                             foreign key constraint\" (it must include the distribution column)"
                        ),
                    )
                    .with_fix(FixPhase::DropForeignKeys, drop)
                    .with_fix(
                        FixPhase::AddForeignKeys,
                        add_with_tenant(key, child, parent),
                    ),
                );
            }
        }
        (Some(TableRole::Tenant { column: child }), Some(TableRole::Reference)) => {
            if key.child_columns.contains(child)
                && let Some(finding) = action_finding(key, child, &label, &drop, "")
            {
                findings.push(finding);
            }
        }
        (Some(TableRole::Tenant { .. }), None) => findings.push(
            Finding::new(
                Severity::Blocker,
                FindingKind::ForeignKeyToUnknownTable,
                Some(key.child.clone()),
                format!(
                    "{label}: {} is not in the catalog, so it would stay a local table; Citus: \
                     \"cannot create foreign key constraint since relations are not colocated or \
                     not referencing a reference table\"",
                    key.parent
                ),
            )
            .with_advice(format!(
                "add {} to the catalog as a reference table (shared rows) or a tenant table",
                key.parent
            )),
        ),
        (_, Some(TableRole::Tenant { .. })) => findings.push(
            Finding::new(
                Severity::Blocker,
                FindingKind::ForeignKeyIntoTenantTable,
                Some(key.child.clone()),
                format!(
                    "{label}: {} is {} and references a tenant table; Citus does not support \
                     foreign keys from reference or local tables to distributed tables",
                    key.child,
                    if child_role.is_some() {
                        "a reference table"
                    } else {
                        "not in the catalog"
                    }
                ),
            )
            .with_fix(FixPhase::DropForeignKeys, drop)
            .with_advice(format!(
                "or make {} a tenant table (add the tenant column) and reference with it",
                key.child
            )),
        ),
        _ => {}
    }
    findings
}

/// Citus refuses SET NULL / SET DEFAULT on delete, and SET NULL / SET DEFAULT / CASCADE on
/// update, once the tenant column is part of the foreign key.
fn action_finding(
    key: &ForeignKey,
    child: &str,
    label: &str,
    drop: &str,
    parent: &str,
) -> Option<Finding> {
    let bad_delete = matches!(key.on_delete.as_str(), "n" | "d");
    let bad_update = matches!(key.on_update.as_str(), "n" | "d" | "c");
    if !bad_delete && !bad_update {
        return None;
    }
    let mut fixed = key.clone();
    if bad_delete {
        "a".clone_into(&mut fixed.on_delete);
    }
    if bad_update {
        "a".clone_into(&mut fixed.on_update);
    }
    Some(
        Finding::new(
            Severity::Blocker,
            FindingKind::ForeignKeyAction,
            Some(key.child.clone()),
            format!(
                "{label} includes the tenant column {child} and uses ON DELETE SET NULL/SET \
                 DEFAULT or ON UPDATE SET NULL/SET DEFAULT/CASCADE, which Citus refuses on a \
                 distribution column"
            ),
        )
        .with_fix(FixPhase::DropForeignKeys, drop)
        .with_fix(
            FixPhase::AddForeignKeys,
            add_with_tenant(&fixed, child, parent),
        )
        .with_advice(
            "the fix uses NO ACTION; clear the referencing column in application code or a \
             trigger if SET NULL semantics are needed",
        ),
    )
}

/// `ALTER TABLE child ADD CONSTRAINT ... FOREIGN KEY (tenant, ...) REFERENCES parent (tenant, ...)`;
/// with an empty `parent_column` (a reference table) the column lists stay as they are.
fn add_with_tenant(key: &ForeignKey, child_column: &str, parent_column: &str) -> String {
    let (child_columns, parent_columns) = if parent_column.is_empty() {
        (
            quoted_list(&key.child_columns),
            quoted_list(&key.parent_columns),
        )
    } else {
        let pairs: Vec<(&String, &String)> = key
            .child_columns
            .iter()
            .zip(&key.parent_columns)
            .filter(|(c, _)| *c != child_column)
            .collect();
        let child: Vec<String> = pairs.iter().map(|(c, _)| (*c).clone()).collect();
        let parent: Vec<String> = pairs.iter().map(|(_, p)| (*p).clone()).collect();
        (
            column_list(child_column, &child),
            column_list(parent_column, &parent),
        )
    };
    let mut sql = format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({child_columns}) REFERENCES {} ({parent_columns})",
        key.child,
        quote_identifier(&key.name),
        key.parent
    );
    // Once the tenant column is part of the key, Citus accepts only these actions (anything
    // else would null, default or cascade-update the distribution column): the rest become
    // NO ACTION.
    for (clause, action) in [("ON DELETE", &key.on_delete), ("ON UPDATE", &key.on_update)] {
        let action = match (clause, action.as_str()) {
            (_, "r") => "RESTRICT",
            ("ON DELETE", "c") => "CASCADE",
            _ => continue,
        };
        sql.push_str(&format!(" {clause} {action}"));
    }
    sql
}

fn quoted_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| quote_identifier(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// On Citus: tenant tables hash-distributed by their tenant column in the anchor's group,
/// reference tables as reference tables. Tables not distributed yet are not findings: that is
/// what `distribute` does.
async fn check_distribution(
    pool: &PgPool,
    catalog: &Catalog,
    present: &[TableName],
    anchor: &TableName,
    findings: &mut Vec<Finding>,
) -> Result<(), Error> {
    let mut group = metadata::colocation_id(pool, anchor).await?;
    let mut group_table = anchor.clone();
    for table in present {
        let distribution = metadata::distribution(pool, table).await?;
        match (catalog.role(table), distribution) {
            (
                Some(TableRole::Tenant { column }),
                Distribution::Hash {
                    column: current,
                    colocation_id,
                },
            ) => {
                if current != *column {
                    let mut change = Alteration::default().distribution_column(column.clone());
                    if table != anchor {
                        change = change.colocate_with(anchor.clone());
                    }
                    findings.push(
                        Finding::new(
                            Severity::Blocker,
                            FindingKind::WrongDistribution,
                            Some(table.clone()),
                            format!("{table} is distributed by {current}, not by its tenant column {column}"),
                        )
                        .with_fix(FixPhase::Citus, ddl::alter_distributed_table(table, &change)),
                    );
                    continue;
                }
                match group {
                    None => {
                        // The anchor is not distributed yet: the first distributed table sets the group.
                        group = Some(colocation_id);
                        group_table = table.clone();
                    }
                    Some(expected) if expected != colocation_id => findings.push(
                        Finding::new(
                            Severity::Blocker,
                            FindingKind::NotColocated,
                            Some(table.clone()),
                            format!(
                                "{table} is not colocated with {group_table}; joins and foreign \
                                 keys between them fail (\"relations are not colocated\")"
                            ),
                        )
                        .with_fix(
                            FixPhase::Citus,
                            ddl::alter_distributed_table(
                                table,
                                &Alteration::default().colocate_with(group_table.clone()),
                            ),
                        ),
                    ),
                    Some(_) => {}
                }
            }
            (
                Some(TableRole::Tenant { column }),
                other @ (Distribution::Reference | Distribution::Other { .. }),
            ) => {
                findings.push(
                    Finding::new(
                        Severity::Blocker,
                        FindingKind::WrongDistribution,
                        Some(table.clone()),
                        format!("{table} is a tenant table but Citus holds it as {other}"),
                    )
                    .with_fix(FixPhase::Citus, ddl::undistribute_table(table, false))
                    .with_fix(
                        FixPhase::Citus,
                        ddl::create_distributed_table(table, column, Some(anchor)),
                    ),
                );
            }
            (
                Some(TableRole::Reference),
                other @ (Distribution::Hash { .. } | Distribution::Other { .. }),
            ) => {
                findings.push(
                    Finding::new(
                        Severity::Blocker,
                        FindingKind::NotReference,
                        Some(table.clone()),
                        format!("{table} is a reference table in the catalog but Citus holds it as {other}"),
                    )
                    .with_fix(FixPhase::Citus, ddl::undistribute_table(table, false))
                    .with_fix(FixPhase::Citus, ddl::create_reference_table(table)),
                );
            }
            _ => {}
        }
    }
    Ok(())
}
