//! INSERT, UPDATE and DELETE, as sqlparser prints them.

use std::fmt;

use sqlparser::ast::{
    Assignment, AssignmentTarget, Delete, FromTable, Insert, SelectItem, TableObject, Update,
};

use super::*;

/// `UPDATE` that [`plain_update`] accepted, without `OR` (SQLite) and `ON CLUSTER`.
pub(super) fn update(out: &mut String, update: &Update) -> fmt::Result {
    out.push_str("UPDATE ");
    table_with_joins(out, &update.table)?;
    if !update.assignments.is_empty() {
        out.push_str(" SET ");
        comma_separated(out, &update.assignments, assignment)?;
    }
    if let Some(selection) = &update.selection {
        out.push_str(" WHERE ");
        expr(out, selection)?;
    }
    returning(out, update.returning.as_deref())
}

/// `column = value` or `(a, b) = value` in an UPDATE's SET list.
pub(super) fn assignment(out: &mut String, assignment: &Assignment) -> fmt::Result {
    let Assignment { target, value } = assignment;
    match target {
        AssignmentTarget::ColumnName(column) => object_name(out, column)?,
        AssignmentTarget::Tuple(columns) => {
            out.push('(');
            comma_separated(out, columns, object_name)?;
            out.push(')');
        }
    }
    out.push_str(" = ");
    expr(out, value)
}

/// ` RETURNING items`, when present.
pub(super) fn returning(out: &mut String, items: Option<&[SelectItem]>) -> fmt::Result {
    match items {
        Some(items) => {
            out.push_str(" RETURNING ");
            comma_separated(out, items, select_item)
        }
        None => Ok(()),
    }
}

/// A DELETE whose only clauses are FROM, USING, WHERE and RETURNING.
pub(super) fn plain_delete(delete: &Delete) -> bool {
    let Delete {
        delete_token: _,
        optimizer_hints,
        tables,
        from: _,
        on_cluster,
        using: _,
        selection: _,
        returning: _,
        output,
        order_by,
        limit,
        settings,
    } = delete;
    optimizer_hints.is_empty()
        && tables.is_empty()
        && on_cluster.is_none()
        && output.is_none()
        && order_by.is_empty()
        && limit.is_none()
        && settings.is_none()
}

/// A DELETE that [`plain_delete`] accepted.
pub(super) fn delete(out: &mut String, delete: &Delete) -> fmt::Result {
    out.push_str("DELETE");
    match &delete.from {
        FromTable::WithFromKeyword(from) => {
            out.push_str(" FROM ");
            comma_separated(out, from, table_with_joins)?;
        }
        FromTable::WithoutKeyword(from) => {
            out.push(' ');
            comma_separated(out, from, table_with_joins)?;
        }
    }
    if let Some(using) = &delete.using {
        out.push_str(" USING ");
        comma_separated(out, using, table_with_joins)?;
    }
    if let Some(selection) = &delete.selection {
        out.push_str(" WHERE ");
        expr(out, selection)?;
    }
    returning(out, delete.returning.as_deref())
}

/// An INSERT that [`plain_insert`] accepted.
pub(super) fn insert(out: &mut String, insert: &Insert) -> fmt::Result {
    out.push_str("INSERT");
    if insert.into {
        out.push_str(" INTO");
    }
    // sqlparser writes " <table> " only when the table (with its alias) renders non-empty.
    let mark = out.len();
    out.push(' ');
    match &insert.table {
        TableObject::TableName(name) => object_name(out, name)?,
        table => display(out, table)?,
    }
    if let Some(alias) = &insert.table_alias {
        out.push(' ');
        if alias.explicit {
            out.push_str("AS ");
        }
        ident(out, &alias.alias)?;
    }
    if out.len() == mark + 1 {
        out.truncate(mark);
    } else {
        out.push(' ');
    }
    if !insert.columns.is_empty() {
        out.push('(');
        comma_separated(out, &insert.columns, object_name)?;
        out.push_str(") ");
    }
    if let Some(source) = &insert.source {
        query(out, source)?;
    }
    if let Some(on) = &insert.on {
        // Writes its own leading space.
        display(out, on)?;
    }
    returning(out, insert.returning.as_deref())
}
