//! DELETE: scope the target and every USING table in WHERE.

use sqlparser::ast::{Delete, FromTable};

use super::from::max_predicates;
use super::predicate::conjoin;
use super::scope::Scope;
use super::statement::refused;
use crate::error::{Error, RefusalKind};

impl Scope<'_> {
    pub(super) fn delete(&mut self, delete: &mut Delete) -> Result<(), Error> {
        if !delete.tables.is_empty() || !delete.order_by.is_empty() || delete.limit.is_some() {
            return Err(refused(
                "DELETE",
                RefusalKind::Shape,
                None,
                "multi-table DELETE, ORDER BY and LIMIT are not PostgreSQL",
            ));
        }
        let (FromTable::WithFromKeyword(targets) | FromTable::WithoutKeyword(targets)) =
            &mut delete.from;
        let using = delete.using.as_deref().map_or(0, max_predicates);
        let mut preds = Vec::with_capacity(targets.len() + using);
        for item in targets.iter() {
            if !item.joins.is_empty() {
                return Err(refused(
                    "DELETE",
                    RefusalKind::Shape,
                    None,
                    "DELETE from a join is not PostgreSQL",
                ));
            }
            if let Some(target) = self.target("DELETE", &item.relation)? {
                preds.push(self.predicate(target.qualifier, target.column));
            }
        }
        for item in delete.using.iter_mut().flatten() {
            self.table_with_joins(item, false, &mut preds)?;
        }
        self.subqueries(&mut delete.selection)?;
        self.subqueries(&mut delete.returning)?;
        delete.selection = conjoin(delete.selection.take(), preds);
        Ok(())
    }
}
