//! The plain statement shapes that the hand-written walks handle themselves.
//!
//! The verifier's fast path (`verify/plain.rs`) and the renderer (`render/`) both walk the
//! common node kinds by hand and hand every other node to sqlparser's derived code. These
//! predicates decide what counts as common. The structs are destructured without `..`, so a
//! field added by a sqlparser upgrade fails to compile here instead of being skipped.

use sqlparser::ast::{
    Distinct, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments,
    GroupByExpr, Insert, LimitClause, ObjectNamePart, OrderBy, OrderByKind, Query, Select,
    TableAlias, TableObject, Update, With,
};

/// An UPDATE of one table, without FROM, OUTPUT, ORDER BY, LIMIT or SETTINGS.
pub(super) fn plain_update(update: &Update) -> bool {
    let Update {
        update_token: _,
        optimizer_hints,
        table,
        on_cluster: _,
        assignments: _,
        from,
        selection: _,
        returning: _,
        output,
        or: _,
        order_by,
        limit,
        settings,
    } = update;
    optimizer_hints.is_empty()
        && table.joins.is_empty()
        && from.is_none()
        && output.is_none()
        && order_by.is_empty()
        && limit.is_none()
        && settings.is_none()
}

/// An `INSERT [INTO] table [AS alias] [(columns)] query [ON CONFLICT ...] [RETURNING ...]`.
pub(super) fn plain_insert(insert: &Insert) -> bool {
    let Insert {
        insert_token: _,
        optimizer_hints,
        or,
        ignore,
        into: _,
        table,
        table_alias: _,
        columns: _,
        by_name,
        overwrite,
        source,
        assignments,
        partitioned,
        after_columns,
        overriding,
        has_table_keyword,
        on: _,
        returning: _,
        output,
        replace_into,
        priority,
        insert_alias,
        settings,
        format_clause,
        multi_table_insert_type,
        multi_table_into_clauses,
        multi_table_when_clauses,
        multi_table_else_clause,
    } = insert;
    optimizer_hints.is_empty()
        && or.is_none()
        && !*ignore
        && matches!(table, TableObject::TableName(_))
        && !*by_name
        && !*overwrite
        && source.is_some()
        && assignments.is_empty()
        && partitioned.is_none()
        && after_columns.is_empty()
        && overriding.is_none()
        && !*has_table_keyword
        && output.is_none()
        && !*replace_into
        && priority.is_none()
        && insert_alias.is_none()
        && settings.is_none()
        && format_clause.is_none()
        && multi_table_insert_type.is_none()
        && multi_table_into_clauses.is_empty()
        && multi_table_when_clauses.is_empty()
        && multi_table_else_clause.is_none()
}

/// A query with only WITH (plain CTEs), a body, ORDER BY and LIMIT/OFFSET in their plain forms:
/// no FETCH, locking clause, FOR, SETTINGS, FORMAT or pipe operators.
pub(super) fn plain_query(query: &Query) -> bool {
    let Query {
        with,
        body: _,
        order_by,
        limit_clause,
        fetch,
        locks,
        for_clause,
        settings,
        format_clause,
        pipe_operators,
    } = query;
    fetch.is_none()
        && locks.is_empty()
        && for_clause.is_none()
        && settings.is_none()
        && format_clause.is_none()
        && pipe_operators.is_empty()
        && order_by.as_ref().is_none_or(plain_order_by)
        && limit_clause.as_ref().is_none_or(plain_limit)
        && with.as_ref().is_none_or(plain_with)
}

/// A SELECT whose only non-empty clauses are the select list, FROM, WHERE, GROUP BY (plain
/// expressions) and HAVING.
pub(super) fn plain_select(select: &Select) -> bool {
    let Select {
        select_token: _,
        optimizer_hints,
        distinct,
        select_modifiers,
        top,
        top_before_distinct: _,
        projection: _,
        exclude,
        into,
        from: _,
        lateral_views,
        prewhere,
        selection: _,
        connect_by,
        group_by,
        cluster_by,
        distribute_by,
        sort_by,
        having: _,
        named_window,
        qualify,
        window_before_qualify: _,
        value_table_mode,
        flavor: _,
    } = select;
    optimizer_hints.is_empty()
        && matches!(distinct, None | Some(Distinct::Distinct | Distinct::All))
        && select_modifiers.is_none()
        && top.is_none()
        && exclude.is_none()
        && into.is_none()
        && lateral_views.is_empty()
        && prewhere.is_none()
        && connect_by.is_empty()
        && matches!(group_by, GroupByExpr::Expressions(_, modifiers) if modifiers.is_empty())
        && cluster_by.is_empty()
        && distribute_by.is_empty()
        && sort_by.is_empty()
        && named_window.is_empty()
        && qualify.is_none()
        && value_table_mode.is_none()
}

/// ORDER BY expressions without `WITH FILL` or `INTERPOLATE`.
pub(super) fn plain_order_by(order_by: &OrderBy) -> bool {
    let OrderBy { kind, interpolate } = order_by;
    interpolate.is_none()
        && match kind {
            OrderByKind::Expressions(exprs) => exprs.iter().all(|e| e.with_fill.is_none()),
            OrderByKind::All(_) => false,
        }
}

/// `LIMIT` and `OFFSET` without `LIMIT ... BY`.
pub(super) fn plain_limit(limit: &LimitClause) -> bool {
    matches!(limit, LimitClause::LimitOffset { limit_by, .. } if limit_by.is_empty())
}

/// CTEs whose aliases declare no column types (types could hold expressions).
pub(super) fn plain_with(with: &With) -> bool {
    with.cte_tables
        .iter()
        .all(|cte| plain_alias(Some(&cte.alias)))
}

/// An alias whose columns declare no types (types could hold expressions).
pub(super) fn plain_alias(alias: Option<&TableAlias>) -> bool {
    alias.is_none_or(|alias| alias.columns.iter().all(|c| c.data_type.is_none()))
}

/// A function call `name(arg, ...)` (or a bare `name` such as `current_timestamp`) whose
/// arguments are unnamed expressions or `*`, with a dotted name of plain identifiers and none of
/// ODBC braces, parameters, `DISTINCT`/`ALL`, clauses inside the parentheses, `WITHIN GROUP`,
/// `FILTER`, `IGNORE NULLS` or `OVER`.
pub(super) fn plain_function(function: &Function) -> bool {
    let Function {
        name,
        uses_odbc_syntax,
        parameters,
        args,
        within_group,
        filter,
        null_treatment,
        over,
    } = function;
    !*uses_odbc_syntax
        && matches!(parameters, FunctionArguments::None)
        && plain_function_args(args)
        && within_group.is_empty()
        && filter.is_none()
        && null_treatment.is_none()
        && over.is_none()
        && name
            .0
            .iter()
            .all(|part| matches!(part, ObjectNamePart::Identifier(_)))
}

/// No argument list at all, or a list of unnamed expressions and `*` without `DISTINCT`/`ALL`
/// or clauses.
fn plain_function_args(args: &FunctionArguments) -> bool {
    match args {
        FunctionArguments::None => true,
        FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment,
            args,
            clauses,
        }) => {
            duplicate_treatment.is_none()
                && clauses.is_empty()
                && args.iter().all(|arg| {
                    matches!(
                        arg,
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(_) | FunctionArgExpr::Wildcard)
                    )
                })
        }
        FunctionArguments::Subquery(_) => false,
    }
}
