//! What the readiness checker found, with fixes, rendered for people and CLIs.

use std::fmt;

use tenancy_core::TableName;

/// How much a finding matters.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::Severity;
/// assert_eq!(Severity::Blocker.to_string(), "BLOCKER");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Citus will refuse to distribute the schema (or the statement) as it is.
    Blocker,
    /// Distribution works, but something deserves a decision.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Blocker => "BLOCKER",
            Self::Warning => "warning",
        })
    }
}

/// What kind of problem a finding is.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::FindingKind;
/// assert_ne!(FindingKind::KeyWithoutTenantColumn, FindingKind::ForeignKeyWithoutTenantColumn);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FindingKind {
    /// The catalog names a table the database does not have.
    MissingTable,
    /// A tenant table has no tenant column.
    MissingTenantColumn,
    /// The tenant column's type differs from the tenant table's key (colocation needs one type).
    TenantColumnType,
    /// The tenant column allows NULL (Citus refuses rows without a distribution value).
    NullableTenantColumn,
    /// A primary key, unique constraint/index or exclusion constraint lacks the tenant column.
    KeyWithoutTenantColumn,
    /// A foreign key between tenant tables does not pair the two tenant columns.
    ForeignKeyWithoutTenantColumn,
    /// A foreign key whose referential action Citus refuses when the tenant column is part of it.
    ForeignKeyAction,
    /// A foreign key into a tenant table from a reference table or a table outside the catalog.
    ForeignKeyIntoTenantTable,
    /// A tenant table references a table the catalog does not list.
    ForeignKeyToUnknownTable,
    /// On Citus: a tenant table is distributed by another column, or is not hash-distributed.
    WrongDistribution,
    /// On Citus: a tenant table is not in the tenant table's colocation group.
    NotColocated,
    /// On Citus: a catalog reference table is not a Citus reference table.
    NotReference,
    /// A column draws from a sequence shared by every tenant.
    SharedSequence,
    /// A statement would change a row's tenant (Citus: "modifying the partition value of rows
    /// is not allowed").
    UpdatesTenantColumn,
    /// A statement could not be parsed, so it was not checked.
    UncheckedStatement,
}

/// When a fix statement has to run relative to the others: foreign keys are dropped before the
/// keys they depend on change, and re-added after.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::FixPhase;
/// assert!(FixPhase::DropForeignKeys < FixPhase::Keys && FixPhase::Keys < FixPhase::AddForeignKeys);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FixPhase {
    /// Drop foreign keys that would block key changes.
    DropForeignKeys,
    /// Add or change columns.
    Columns,
    /// Recreate keys and unique indexes with the tenant column.
    Keys,
    /// Re-add foreign keys, now including the tenant column.
    AddForeignKeys,
    /// Citus metadata changes (`alter_distributed_table`, ...).
    Citus,
}

/// One SQL statement of a fix.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::{Fix, FixPhase};
/// let fix = Fix::new(FixPhase::Columns, "ALTER TABLE public.notes ADD COLUMN tenant_id bigint");
/// assert_eq!(fix.to_string(), "ALTER TABLE public.notes ADD COLUMN tenant_id bigint;");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fix {
    /// When it runs.
    pub phase: FixPhase,
    /// The statement, without a trailing `;`.
    pub sql: String,
}

impl Fix {
    /// A fix statement.
    #[must_use]
    pub fn new(phase: FixPhase, sql: impl Into<String>) -> Self {
        Self {
            phase,
            sql: sql.into(),
        }
    }
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{};", self.sql)
    }
}

/// One problem the checker found.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::{Finding, FindingKind, Severity};
/// let finding = Finding::new(Severity::Warning, FindingKind::SharedSequence, None, "ids are global");
/// assert_eq!(finding.to_string(), "warning: ids are global");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// Blocker or warning.
    pub severity: Severity,
    /// What kind of problem.
    pub kind: FindingKind,
    /// The table concerned, when there is one.
    pub table: Option<TableName>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// SQL that fixes it (may be empty when only a decision can: then see `advice`).
    pub fix: Vec<Fix>,
    /// What to do when SQL alone cannot say it.
    pub advice: Option<String>,
}

impl Finding {
    /// A finding without fix or advice.
    #[must_use]
    pub fn new(
        severity: Severity,
        kind: FindingKind,
        table: Option<TableName>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            kind,
            table,
            message: message.into(),
            fix: Vec::new(),
            advice: None,
        }
    }

    /// Adds a fix statement.
    #[must_use]
    pub fn with_fix(mut self, phase: FixPhase, sql: impl Into<String>) -> Self {
        self.fix.push(Fix::new(phase, sql));
        self
    }

    /// Adds advice.
    #[must_use]
    pub fn with_advice(mut self, advice: impl Into<String>) -> Self {
        self.advice = Some(advice.into());
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.message)?;
        for fix in &self.fix {
            write!(f, "\n    fix: {fix}")?;
        }
        if let Some(advice) = &self.advice {
            write!(f, "\n    advice: {advice}")?;
        }
        Ok(())
    }
}

/// Everything that stands between a schema and Citus, from [`check_readiness`](super::check_readiness).
///
/// `Display` renders a report for a terminal: a summary line, each finding with its fix, and the
/// whole fix script in the order it must run. [`is_ready`](Self::is_ready) is the exit status.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::{Finding, FindingKind, FixPhase, ReadinessReport, Severity};
///
/// let report = ReadinessReport::new(false, None, vec![
///     Finding::new(Severity::Blocker, FindingKind::MissingTenantColumn, None, "notes has no tenant_id")
///         .with_fix(FixPhase::Columns, "ALTER TABLE public.notes ADD COLUMN tenant_id bigint"),
/// ]);
/// assert!(!report.is_ready());
/// assert_eq!(report.fix_script(), ["ALTER TABLE public.notes ADD COLUMN tenant_id bigint;"]);
/// assert!(report.to_string().starts_with("not ready for Citus: 1 blocker(s), 0 warning(s)"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessReport {
    citus: bool,
    tenant_table: Option<TableName>,
    findings: Vec<Finding>,
}

impl ReadinessReport {
    /// A report; findings are sorted blockers first, then by table.
    #[must_use]
    pub fn new(citus: bool, tenant_table: Option<TableName>, mut findings: Vec<Finding>) -> Self {
        findings.sort_by(|a, b| (a.severity, &a.table).cmp(&(b.severity, &b.table)));
        Self {
            citus,
            tenant_table,
            findings,
        }
    }

    /// Whether the checked database runs Citus (colocation was checked too).
    #[must_use]
    pub fn citus(&self) -> bool {
        self.citus
    }

    /// The table every tenant table is colocated with.
    #[must_use]
    pub fn tenant_table(&self) -> Option<&TableName> {
        self.tenant_table.as_ref()
    }

    /// Every finding, blockers first.
    #[must_use]
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The findings Citus would refuse.
    pub fn blockers(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Blocker)
    }

    /// The findings that need a decision but do not block.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// No blockers.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.blockers().next().is_none()
    }

    /// Every fix statement (blockers and warnings), each ending in `;`, in the order they must
    /// run; a statement two findings share appears once.
    #[must_use]
    pub fn fix_script(&self) -> Vec<String> {
        let mut fixes: Vec<&Fix> = self.findings.iter().flat_map(|f| &f.fix).collect();
        // Stable: within a phase, fixes keep the report's order.
        fixes.sort_by_key(|fix| fix.phase);
        let mut script: Vec<String> = Vec::new();
        for fix in fixes {
            let line = fix.to_string();
            if !script.contains(&line) {
                script.push(line);
            }
        }
        script
    }
}

impl fmt::Display for ReadinessReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let blockers = self.blockers().count();
        let warnings = self.warnings().count();
        let verdict = if blockers == 0 {
            "ready for Citus"
        } else {
            "not ready for Citus"
        };
        write!(
            f,
            "{verdict}: {blockers} blocker(s), {warnings} warning(s) ({}",
            if self.citus {
                "checked on Citus"
            } else {
                "checked on plain PostgreSQL"
            }
        )?;
        if let Some(anchor) = &self.tenant_table {
            write!(f, "; tenant table {anchor}")?;
        }
        f.write_str(")")?;
        for finding in &self.findings {
            write!(f, "\n{finding}")?;
        }
        let script = self.fix_script();
        if !script.is_empty() {
            f.write_str("\n-- fix script, in order:")?;
            for line in script {
                write!(f, "\n{line}")?;
            }
        }
        Ok(())
    }
}
