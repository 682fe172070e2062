//! The tables UPDATE, DELETE and MERGE read and write: each target and each FROM, USING or
//! source table must be constrained by the statement's own filter (WHERE; ON for MERGE).

use sqlparser::ast::{Delete, FromTable, Merge, TableFactor, Update, UpdateTableFromKind};

use super::Judge;
use super::from::{Filter, Judged, Place, Relations};
use super::names::{Ctes, Resolved, Tenant, exposed};
use crate::error::Error;

/// A DML target that is a tenant table, under the name the statement gives it.
pub(super) struct Target<'c> {
    pub(super) tenant: Tenant<'c>,
    pub(super) exposed: String,
}

impl<'c> Judge<'c> {
    /// Judges an UPDATE's tables and, for a tenant target, what it writes to the tenant column.
    pub(super) fn update(
        &self,
        update: &Update,
        ctes: &Ctes,
        level: usize,
        judged: &mut Judged,
    ) -> Result<(), Error> {
        if !update.table.joins.is_empty() {
            return Err(self.refuse(None, "UPDATE of a join is not PostgreSQL"));
        }
        let filter = Filter::clause(update.selection.as_ref(), "the UPDATE's WHERE");
        let mut relations = Relations::default();
        let target = self.target(&update.table.relation, filter, &mut relations, judged)?;
        if let Some(UpdateTableFromKind::BeforeSet(items) | UpdateTableFromKind::AfterSet(items)) =
            &update.from
        {
            for item in items {
                self.join_list(item, filter, ctes, &mut relations, judged)?;
            }
        }
        self.check(
            &relations,
            Place {
                statement: "UPDATE",
                level,
            },
        )?;
        match target {
            Some(target) => self.assignments("UPDATE", &update.assignments, &target),
            None => Ok(()),
        }
    }

    /// Judges a DELETE's targets and USING tables.
    pub(super) fn delete(
        &self,
        delete: &Delete,
        ctes: &Ctes,
        level: usize,
        judged: &mut Judged,
    ) -> Result<(), Error> {
        if !delete.tables.is_empty() {
            return Err(self.refuse(None, "multi-table DELETE is not PostgreSQL"));
        }
        let filter = Filter::clause(delete.selection.as_ref(), "the DELETE's WHERE");
        let mut relations = Relations::default();
        let (FromTable::WithFromKeyword(targets) | FromTable::WithoutKeyword(targets)) =
            &delete.from;
        for item in targets {
            if !item.joins.is_empty() {
                return Err(self.refuse(None, "DELETE from a join is not PostgreSQL"));
            }
            self.target(&item.relation, filter, &mut relations, judged)?;
        }
        for item in delete.using.iter().flatten() {
            self.join_list(item, filter, ctes, &mut relations, judged)?;
        }
        self.check(
            &relations,
            Place {
                statement: "DELETE",
                level,
            },
        )
    }

    /// Judges a MERGE: the target is filtered in ON; a tenant table may be the source only
    /// inside a derived table, which is judged as a query of its own.
    pub(super) fn merge(
        &self,
        merge: &Merge,
        ctes: &Ctes,
        level: usize,
        judged: &mut Judged,
    ) -> Result<(), Error> {
        let filter = Filter::clause(Some(&merge.on), "the MERGE's ON");
        let mut relations = Relations::default();
        let target = self.target(&merge.table, filter, &mut relations, judged)?;
        let source = Filter::Refused("the MERGE source itself");
        self.factor(&merge.source, source, ctes, &mut relations, judged)?;
        self.check(
            &relations,
            Place {
                statement: "MERGE",
                level,
            },
        )?;
        match target {
            Some(target) => self.merge_clauses(merge, &target, ctes),
            None => Ok(()),
        }
    }

    /// The table a DML statement writes (never a CTE), recorded with `filter`.
    fn target<'q>(
        &self,
        factor: &'q TableFactor,
        filter: Filter<'q>,
        relations: &mut Relations<'q, 'c>,
        judged: &mut Judged,
    ) -> Result<Option<Target<'c>>, Error> {
        let TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = factor
        else {
            return Err(self.refuse(
                None,
                "the target of UPDATE, DELETE and MERGE must be a table",
            ));
        };
        judged.insert(std::ptr::from_ref(name));
        // Resolving first refuses names that are not `table` or `schema.table`.
        let resolved = self.resolve(name, &Ctes::default(), true)?;
        let exposed = exposed(name, alias.as_ref()).unwrap_or_default();
        relations.exposed.push(exposed.clone());
        let Resolved::Tenant(tenant) = resolved else {
            return Ok(None);
        };
        let filter = if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
            Filter::Refused("renamed by a column alias list")
        } else {
            filter
        };
        relations.reference(self, tenant, exposed.clone(), filter)?;
        Ok(Some(Target { tenant, exposed }))
    }
}
