//! A hand-written walk over the plain shapes most statements have, for speed.
//!
//! sqlparser's derived `Visit` reaches every node of every kind, which makes it the right tool for
//! the safety net and a slow one: it calls into every field of every node. This walk handles the
//! common node kinds itself and hands every other node, whole, to the derived visitor. For each
//! node it handles, it does what the verifier's hooks would do, in the order the derived visitor
//! would call them, and walks every field that can hold a query, a table or an expression. Hooks
//! the verifier does not override do nothing and are left out, as is the hooks' bookkeeping that
//! only the derived walk needs (the kinds of the enclosing factors, the names already judged).
//! The structs are destructured without `..`, so a field added by a sqlparser upgrade fails to
//! compile here instead of being skipped.
//!
//! The match over expressions deliberately repeats the one in the subquery search (`expr.rs`)
//! instead of sharing it: the verifier checks that search, and a mistake in a shared list would
//! hide a subquery from both at once. Debug builds compare this walk with the derived visitor on
//! every statement, so a mistake here shows up as a failed assertion in the tests.

use std::ops::ControlFlow;
use std::ptr;

use sqlparser::ast::{
    Assignment, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, InTarget, Join,
    JoinConstraint, LimitClause, Offset, OrderBy, OrderByExpr, OrderByKind, Query, Select,
    SelectItem, SetExpr, Statement, TableFactor, TableObject, TableWithJoins, Values, Visit,
    Visitor,
};

use super::Verifier;
use crate::error::Error;
use crate::rewrite::from::constraint;
use crate::rewrite::shape::{
    plain_alias, plain_function, plain_insert, plain_query, plain_select, plain_update,
};

type Flow = ControlFlow<Error>;

impl Verifier<'_> {
    pub(super) fn statement(&mut self, statement: &Statement) -> Flow {
        match statement {
            Statement::Query(query) => {
                self.pre_visit_statement(statement)?;
                self.query(query)
            }
            Statement::Update(update) if plain_update(update) => {
                // `plain_update` allows no joins: the target is the only table factor.
                self.factor_as(&update.table.relation, true)?;
                for Assignment { target: _, value } in &update.assignments {
                    // The target is a column name, never visited as a relation.
                    self.expr(value)?;
                }
                self.option_expr(update.selection.as_ref())?;
                self.select_items(update.returning.as_deref().unwrap_or_default())
            }
            Statement::Insert(insert) if plain_insert(insert) => {
                // The derived visitor counts the target in `pre_visit_statement`, as a table:
                // an INSERT never writes a CTE.
                if let TableObject::TableName(name) = &insert.table {
                    self.count(name, None)?;
                }
                // The columns are names, never visited as relations.
                if let Some(source) = &insert.source {
                    self.query(source)?;
                }
                if let Some(on) = &insert.on {
                    // ON CONFLICT targets, DO UPDATE assignments and their WHERE.
                    on.visit(self)?;
                }
                self.select_items(insert.returning.as_deref().unwrap_or_default())
            }
            _ => statement.visit(self),
        }
    }

    fn query(&mut self, query: &Query) -> Flow {
        if !plain_query(query) {
            return query.visit(self);
        }
        let Query {
            with,
            body,
            order_by,
            limit_clause,
            ..
        } = query;
        self.pre_visit_query(query)?;
        for cte in with.iter().flat_map(|with| &with.cte_tables) {
            // A CTE's alias, columns and MATERIALIZED flag hold no query, table or expression.
            self.query(&cte.query)?;
        }
        self.set_expr(body)?;
        if let Some(OrderBy {
            kind: OrderByKind::Expressions(exprs),
            ..
        }) = order_by
        {
            self.order_by_exprs(exprs)?;
        }
        if let Some(LimitClause::LimitOffset { limit, offset, .. }) = limit_clause {
            self.option_expr(limit.as_ref())?;
            if let Some(Offset { value, rows: _ }) = offset {
                self.expr(value)?;
            }
        }
        self.post_visit_query(query)
    }

    fn set_expr(&mut self, body: &SetExpr) -> Flow {
        match body {
            SetExpr::Select(select) if plain_select(select) => self.select(select),
            SetExpr::Query(query) => self.query(query),
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left)?;
                self.set_expr(right)
            }
            SetExpr::Values(Values {
                explicit_row: _,
                value_keyword: _,
                rows,
            }) => rows.iter().try_for_each(|row| self.exprs(&row.content)),
            _ => body.visit(self),
        }
    }

    /// A SELECT that [`plain_select`] accepted, in the derived visitor's field order.
    fn select(&mut self, select: &Select) -> Flow {
        self.select_items(&select.projection)?;
        for item in &select.from {
            self.table_with_joins(item)?;
        }
        self.option_expr(select.selection.as_ref())?;
        if let GroupByExpr::Expressions(exprs, _) = &select.group_by {
            self.exprs(exprs)?;
        }
        self.option_expr(select.having.as_ref())
    }

    fn select_items(&mut self, items: &[SelectItem]) -> Flow {
        for item in items {
            match item {
                SelectItem::UnnamedExpr(expr)
                | SelectItem::ExprWithAlias { expr, .. }
                | SelectItem::ExprWithAliases { expr, .. } => self.expr(expr)?,
                SelectItem::QualifiedWildcard(..) | SelectItem::Wildcard(_) => item.visit(self)?,
            }
        }
        ControlFlow::Continue(())
    }

    fn table_with_joins(&mut self, item: &TableWithJoins) -> Flow {
        let TableWithJoins { relation, joins } = item;
        self.factor(relation)?;
        for Join {
            relation,
            global: _,
            join_operator,
        } in joins
        {
            self.factor(relation)?;
            match constraint(join_operator) {
                Some(JoinConstraint::On(condition)) => self.expr(condition)?,
                // USING names columns, not relations.
                Some(JoinConstraint::Using(_) | JoinConstraint::Natural | JoinConstraint::None) => {
                }
                _ => join_operator.visit(self)?,
            }
        }
        ControlFlow::Continue(())
    }

    fn factor(&mut self, factor: &TableFactor) -> Flow {
        self.factor_as(factor, false)
    }

    /// A table factor; `target` when it is the table a DML statement writes.
    fn factor_as(&mut self, factor: &TableFactor, target: bool) -> Flow {
        match factor {
            TableFactor::Table {
                name,
                alias,
                args: None,
                with_hints,
                version: None,
                with_ordinality: _,
                partitions,
                json_path: None,
                sample: None,
                index_directives,
                inheritance: _,
            } if with_hints.is_empty()
                && partitions.is_empty()
                && index_directives.is_empty()
                && plain_alias(alias.as_ref()) =>
            {
                // The derived visitor's hooks would also note the factor's kind and name, which
                // only the derived walk needs.
                self.table(name, target)
            }
            TableFactor::Derived {
                lateral: _,
                subquery,
                alias,
                sample: None,
            } if plain_alias(alias.as_ref()) => self.query(subquery),
            _ => {
                if target {
                    self.targets.push(ptr::from_ref(factor));
                }
                factor.visit(self)
            }
        }
    }

    fn expr(&mut self, expr: &Expr) -> Flow {
        match expr {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) => {
                ControlFlow::Continue(())
            }
            Expr::BinaryOp { left, op: _, right }
            | Expr::IsDistinctFrom(left, right)
            | Expr::IsNotDistinctFrom(left, right)
            | Expr::AnyOp {
                left,
                compare_op: _,
                right,
                is_some: _,
            }
            | Expr::AllOp {
                left,
                compare_op: _,
                right,
            } => {
                self.expr(left)?;
                self.expr(right)
            }
            Expr::UnaryOp { op: _, expr }
            | Expr::Nested(expr)
            | Expr::IsNull(expr)
            | Expr::IsNotNull(expr)
            | Expr::IsTrue(expr)
            | Expr::IsNotTrue(expr)
            | Expr::IsFalse(expr)
            | Expr::IsNotFalse(expr) => self.expr(expr),
            Expr::Between {
                expr,
                negated: _,
                low,
                high,
            } => {
                self.expr(expr)?;
                self.expr(low)?;
                self.expr(high)
            }
            Expr::In {
                expr: left,
                target: InTarget::List(list),
                negated: _,
                global: _,
            } => {
                self.expr(left)?;
                self.exprs(list)
            }
            Expr::In {
                expr: left,
                target: InTarget::Subquery(subquery),
                negated: _,
                global: _,
            } => {
                self.expr(left)?;
                self.query(subquery)
            }
            Expr::Subquery(subquery)
            | Expr::Exists {
                subquery,
                negated: _,
            } => self.query(subquery),
            Expr::Tuple(exprs) => self.exprs(exprs),
            Expr::Function(function) if plain_function(function) => {
                // The hook checks set_config; the name, a `*` and the empty clauses hold nothing
                // else to visit.
                self.pre_visit_expr(expr)?;
                if let FunctionArguments::List(list) = &function.args {
                    for arg in &list.args {
                        if let FunctionArg::Unnamed(FunctionArgExpr::Expr(arg)) = arg {
                            self.expr(arg)?;
                        }
                    }
                }
                ControlFlow::Continue(())
            }
            // Other functions (set_config is checked on them), casts, CASE and the rest.
            _ => expr.visit(self),
        }
    }

    fn exprs(&mut self, exprs: &[Expr]) -> Flow {
        exprs.iter().try_for_each(|expr| self.expr(expr))
    }

    fn option_expr(&mut self, expr: Option<&Expr>) -> Flow {
        expr.map_or(ControlFlow::Continue(()), |expr| self.expr(expr))
    }

    /// ORDER BY items that [`plain_order_by`] accepted: their options hold no expression.
    fn order_by_exprs(&mut self, exprs: &[OrderByExpr]) -> Flow {
        exprs.iter().try_for_each(|order| self.expr(&order.expr))
    }
}
