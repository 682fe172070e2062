//! Distributing a whole catalog: reference tables first, then the tenant table, then every other
//! tenant table colocated with it, parents before children so foreign keys hold at each step.

use std::collections::BTreeSet;
use std::fmt;

use tenancy_core::{Catalog, TableName, TableRole};

use super::cluster::{Citus, Outcome};
use super::ddl;
use super::readiness::{ReadinessOptions, check_readiness};
use super::schema;
use crate::error::Error;

/// One step of a [`DistributionPlan`].
///
/// # Example
/// ```
/// use tenancy_sqlx::{citus::PlanStep, core::TableName};
/// let step = PlanStep::Reference { table: TableName::parse("plans")? };
/// assert_eq!(step.sql(), "SELECT create_reference_table('public.plans')");
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanStep {
    /// `create_reference_table`.
    Reference {
        /// The table.
        table: TableName,
    },
    /// `create_distributed_table`, colocated with the tenant table (`None` for itself).
    Distribute {
        /// The table.
        table: TableName,
        /// Its tenant column.
        column: String,
        /// The tenant table, for every table but itself.
        colocate_with: Option<TableName>,
    },
}

impl PlanStep {
    /// The statement this step runs.
    #[must_use]
    pub fn sql(&self) -> String {
        match self {
            Self::Reference { table } => ddl::create_reference_table(table),
            Self::Distribute {
                table,
                column,
                colocate_with,
            } => ddl::create_distributed_table(table, column, colocate_with.as_ref()),
        }
    }
}

/// The ordered Citus calls that distribute a catalog, from [`plan_distribution`].
///
/// `Display` prints one statement per line, ready for a migration file.
///
/// # Example
/// ```
/// use tenancy_sqlx::{citus::{DistributionPlan, PlanStep}, core::TableName};
/// let plan = DistributionPlan::new(vec![PlanStep::Reference { table: TableName::parse("plans")? }]);
/// assert_eq!(plan.to_string(), "SELECT create_reference_table('public.plans');");
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionPlan {
    steps: Vec<PlanStep>,
}

impl DistributionPlan {
    /// A plan of these steps, run in order.
    #[must_use]
    pub fn new(steps: Vec<PlanStep>) -> Self {
        Self { steps }
    }

    /// The steps, in order.
    #[must_use]
    pub fn steps(&self) -> &[PlanStep] {
        &self.steps
    }

    /// Runs every step through `citus` (each idempotent), stopping at the first failure.
    ///
    /// # Errors
    /// As the [`Citus`] operations: a step Citus refuses, or plain PostgreSQL with
    /// `OnPlainPostgres::Error`.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(citus: tenancy_sqlx::citus::Citus, plan: tenancy_sqlx::citus::DistributionPlan) -> Result<(), tenancy_sqlx::Error> {
    /// let report = plan.apply(&citus).await?;
    /// println!("{report}");
    /// # Ok(()) }
    /// ```
    pub async fn apply(&self, citus: &Citus) -> Result<DistributionReport, Error> {
        let mut done = Vec::new();
        for step in &self.steps {
            let outcome = match step {
                PlanStep::Reference { table } => citus.create_reference_table(table).await?,
                PlanStep::Distribute {
                    table,
                    column,
                    colocate_with,
                } => {
                    citus
                        .create_distributed_table(table, column, colocate_with.as_ref())
                        .await?
                }
            };
            done.push((step.clone(), outcome));
        }
        Ok(DistributionReport { steps: done })
    }
}

impl fmt::Display for DistributionPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.steps.iter().map(|s| format!("{};", s.sql())).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// What [`DistributionPlan::apply`] did, step by step.
///
/// # Example
/// ```
/// use tenancy_sqlx::{citus::{DistributionReport, Outcome, PlanStep}, core::TableName};
/// let report = DistributionReport::new(vec![(
///     PlanStep::Reference { table: TableName::parse("plans")? },
///     Outcome::AlreadyDone { detail: "public.plans is a reference table".into() },
/// )]);
/// assert_eq!(report.changed(), 0);
/// assert!(report.to_string().contains("already done"));
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionReport {
    steps: Vec<(PlanStep, Outcome)>,
}

impl DistributionReport {
    /// A report of these steps and outcomes.
    #[must_use]
    pub fn new(steps: Vec<(PlanStep, Outcome)>) -> Self {
        Self { steps }
    }

    /// Each step with its outcome.
    #[must_use]
    pub fn steps(&self) -> &[(PlanStep, Outcome)] {
        &self.steps
    }

    /// How many steps changed the cluster.
    #[must_use]
    pub fn changed(&self) -> usize {
        self.steps.iter().filter(|(_, o)| o.changed()).count()
    }
}

impl fmt::Display for DistributionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} step(s) changed the cluster",
            self.changed(),
            self.steps.len()
        )?;
        for (step, outcome) in &self.steps {
            match outcome {
                Outcome::Applied { .. } => write!(f, "\n  {};", step.sql())?,
                other => write!(f, "\n  {other}")?,
            }
        }
        Ok(())
    }
}

/// Orders the Citus calls that distribute `catalog`: reference tables, the tenant table, then the
/// other tenant tables colocated with it; parents before children along foreign keys. Refuses
/// with [`Error::NotReady`] (carrying the report) when the readiness check finds blockers.
///
/// # Errors
/// [`Error::NotReady`], [`Error::Citus`] when the catalog has no tenant table, database errors.
///
/// # Example
/// ```no_run
/// # async fn run(pool: sqlx::PgPool, catalog: tenancy_sqlx::core::Catalog) -> Result<(), tenancy_sqlx::Error> {
/// use tenancy_sqlx::citus::{plan_distribution, Citus, ReadinessOptions};
///
/// let plan = plan_distribution(&pool, &catalog, &ReadinessOptions::default()).await?;
/// println!("{plan}"); // a dry run
/// plan.apply(&Citus::new(pool)).await?;
/// # Ok(()) }
/// ```
pub async fn plan_distribution(
    pool: &sqlx::PgPool,
    catalog: &Catalog,
    options: &ReadinessOptions,
) -> Result<DistributionPlan, Error> {
    let report = check_readiness(pool, catalog, options).await?;
    if !report.is_ready() {
        return Err(Error::NotReady {
            blockers: report.blockers().count(),
            report: report.to_string(),
        });
    }
    let Some(anchor) = report.tenant_table().cloned() else {
        return Err(Error::Citus {
            operation: "plan the distribution".to_owned(),
            reason: "the catalog has no tenant table to colocate with".to_owned(),
        });
    };
    let tables: Vec<TableName> = catalog.tables().map(|(t, _)| t.clone()).collect();
    let keys = schema::foreign_keys(pool, &tables).await?;
    let edges: Vec<(TableName, TableName)> = keys
        .into_iter()
        .filter(|k| k.child != k.parent)
        .map(|k| (k.child, k.parent))
        .collect();
    let references: Vec<TableName> = catalog
        .tables()
        .filter(|(_, role)| matches!(role, TableRole::Reference))
        .map(|(t, _)| t.clone())
        .collect();
    let mut tenants: Vec<(TableName, String)> = catalog
        .tables()
        .filter_map(|(t, role)| match role {
            TableRole::Tenant { column } => Some((t.clone(), column.clone())),
            _ => None,
        })
        .collect();
    // The anchor goes first whatever the foreign keys say: everything else colocates with it.
    tenants.sort_by_key(|(t, _)| *t != anchor);
    let mut steps: Vec<PlanStep> = parents_first(&references, &edges)
        .into_iter()
        .map(|table| PlanStep::Reference { table })
        .collect();
    let order = parents_first(
        &tenants.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>(),
        &edges,
    );
    for table in order {
        let Some((_, column)) = tenants.iter().find(|(t, _)| *t == table) else {
            continue;
        };
        steps.push(PlanStep::Distribute {
            colocate_with: (table != anchor).then(|| anchor.clone()),
            column: column.clone(),
            table,
        });
    }
    Ok(DistributionPlan::new(steps))
}

/// `tables` ordered so that a table comes after the tables it references (keeping the given
/// order otherwise; cycles are broken in that order).
fn parents_first(tables: &[TableName], edges: &[(TableName, TableName)]) -> Vec<TableName> {
    let mut placed: BTreeSet<&TableName> = BTreeSet::new();
    let mut order = Vec::new();
    while order.len() < tables.len() {
        let ready = tables.iter().find(|t| {
            !placed.contains(t)
                && edges.iter().all(|(child, parent)| {
                    child != *t || placed.contains(parent) || !tables.contains(parent)
                })
        });
        // A cycle: take the first unplaced table and let the rest follow.
        let next = ready.or_else(|| tables.iter().find(|t| !placed.contains(t)));
        let Some(next) = next else { break };
        placed.insert(next);
        order.push(next.clone());
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> TableName {
        TableName::new("public", name)
    }

    #[test]
    fn parents_come_before_children_and_cycles_still_end() {
        let tables = [t("comments"), t("accounts"), t("tasks"), t("projects")];
        let edges = [
            (t("comments"), t("tasks")),
            (t("tasks"), t("projects")),
            (t("projects"), t("accounts")),
            (t("tasks"), t("accounts")),
        ];
        let order = parents_first(&tables, &edges);
        let position = |name: &str| order.iter().position(|x| *x == t(name));
        assert!(position("accounts") < position("projects"));
        assert!(position("projects") < position("tasks"));
        assert!(position("tasks") < position("comments"));

        let cycle = [(t("a"), t("b")), (t("b"), t("a"))];
        assert_eq!(parents_first(&[t("a"), t("b")], &cycle).len(), 2);
    }
}
