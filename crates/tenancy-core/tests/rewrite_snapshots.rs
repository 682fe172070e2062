//! Snapshots of rewritten SQL for every construct the rewriter scopes.
//!
//! Each snapshot shows the input, the rewritten text and the tenant parameter. Review changes with
//! `INSTA_UPDATE=always cargo test -p tenancy-core --test rewrite_snapshots` and a diff.

use tenancy_core::{Catalog, Error, Rewriter, TenantId};

fn rewriter() -> Rewriter {
    let catalog = Catalog::from_toml_str(
        r#"
        default_tenant_column = "tenant_id"
        [tables.accounts]
        tenant_column = "id"
        [tables.projects]
        [tables.tasks]
        [tables.comments]
        tenant_column = "org_id"
        [tables."app.events"]
        [tables."\"Audit Log\""]
        [tables.plans]
        reference = true
        "#,
    )
    .expect("snapshot catalog is valid");
    Rewriter::new(catalog)
}

fn show(sql: &str) -> Result<String, Error> {
    let rewritten = rewriter().rewrite(sql)?;
    Ok(format!(
        "in:    {sql}\nout:   {}\nparam: {:?}",
        rewritten,
        rewritten.tenant_param()
    ))
}

macro_rules! snap {
    ($name:ident, $sql:expr) => {
        #[test]
        fn $name() -> Result<(), Error> {
            insta::assert_snapshot!(show($sql)?);
            Ok(())
        }
    };
}

// FROM and joins
snap!(
    plain_select,
    "SELECT id, title FROM tasks WHERE done = false"
);
snap!(where_with_or, "SELECT * FROM tasks WHERE a = 1 OR b = 2");
snap!(alias, "SELECT t.id FROM tasks AS t WHERE t.id = $1");
snap!(
    inner_join,
    "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id"
);
snap!(
    self_join,
    "SELECT a.id, b.id FROM tasks a JOIN tasks b ON a.parent_id = b.id"
);
snap!(
    implicit_join,
    "SELECT * FROM tasks t, projects p WHERE p.id = t.project_id"
);
snap!(cross_join, "SELECT * FROM tasks CROSS JOIN plans");
snap!(
    left_join,
    "SELECT * FROM projects p LEFT JOIN tasks t ON t.project_id = p.id"
);
snap!(
    left_join_chain,
    "SELECT * FROM projects p LEFT JOIN tasks t ON t.project_id = p.id \
     LEFT JOIN comments c ON c.task_id = t.id"
);
snap!(
    right_join,
    "SELECT * FROM tasks t RIGHT JOIN projects p ON t.project_id = p.id"
);
snap!(
    full_join,
    "SELECT * FROM tasks t FULL OUTER JOIN projects p ON t.project_id = p.id"
);
snap!(
    full_join_using,
    "SELECT * FROM tasks FULL JOIN comments USING (id)"
);
snap!(
    nested_join_group,
    "SELECT * FROM projects p LEFT JOIN (tasks t JOIN comments c ON c.task_id = t.id) \
     ON t.project_id = p.id"
);
snap!(
    lateral,
    "SELECT p.id, x.n FROM projects p, LATERAL (SELECT count(*) AS n FROM tasks t \
     WHERE t.project_id = p.id) AS x"
);
snap!(derived_table, "SELECT * FROM (SELECT id FROM tasks) AS t");
snap!(column_alias_list, "SELECT a FROM tasks AS t (a, b)");
snap!(
    reference_join,
    "SELECT * FROM tasks t JOIN plans pl ON pl.id = t.plan_id"
);
snap!(
    schema_qualified,
    "SELECT * FROM app.events WHERE kind = 'x'"
);
snap!(quoted_identifier, "SELECT * FROM \"Audit Log\" al");
snap!(
    table_function,
    "SELECT * FROM tasks t, generate_series(1, 3) AS g(n)"
);
// Subqueries in expressions
snap!(
    in_subquery,
    "SELECT * FROM plans WHERE id IN (SELECT plan_id FROM accounts)"
);
snap!(
    exists_subquery,
    "SELECT 1 WHERE EXISTS (SELECT 1 FROM tasks)"
);
snap!(
    scalar_subquery_select_list,
    "SELECT (SELECT count(*) FROM tasks) AS n"
);
snap!(
    any_all,
    "SELECT * FROM tasks WHERE id = ANY (SELECT id FROM tasks) AND id > ALL (SELECT id FROM comments)"
);
snap!(
    array_subquery,
    "SELECT ARRAY(SELECT title FROM tasks ORDER BY id)"
);
snap!(
    having_and_group_by,
    "SELECT project_id, count(*) FROM tasks GROUP BY project_id \
     HAVING count(*) > (SELECT count(*) FROM projects)"
);
snap!(
    order_by_subquery,
    "SELECT * FROM plans ORDER BY (SELECT max(id) FROM tasks)"
);
snap!(
    join_on_subquery,
    "SELECT * FROM tasks t JOIN plans p ON p.id IN (SELECT plan_id FROM projects)"
);
snap!(
    case_subquery,
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM tasks) THEN 1 ELSE 0 END"
);
snap!(
    function_argument_subquery,
    "SELECT coalesce((SELECT max(id) FROM tasks), 0)"
);
snap!(
    values_with_subquery,
    "VALUES (1, (SELECT count(*) FROM tasks))"
);
// Query shapes
snap!(
    union_all_branches,
    "SELECT id FROM tasks UNION ALL SELECT id FROM projects"
);
snap!(
    intersect_except,
    "SELECT id FROM tasks INTERSECT SELECT id FROM comments EXCEPT SELECT id FROM plans"
);
snap!(table_command, "TABLE tasks");
snap!(
    window_function,
    "SELECT id, row_number() OVER (PARTITION BY project_id ORDER BY id) FROM tasks"
);
snap!(
    distinct_on,
    "SELECT DISTINCT ON (project_id) * FROM tasks ORDER BY project_id, id DESC"
);
snap!(for_update, "SELECT * FROM tasks WHERE id = $1 FOR UPDATE");
snap!(
    cte,
    "WITH open AS (SELECT * FROM tasks WHERE done = false) SELECT * FROM open"
);
snap!(
    cte_shadows_table,
    "WITH tasks AS (SELECT * FROM tasks WHERE done) SELECT * FROM tasks"
);
snap!(
    recursive_cte,
    "WITH RECURSIVE tree AS (SELECT id, parent_id FROM tasks WHERE parent_id IS NULL \
     UNION ALL SELECT t.id, t.parent_id FROM tasks t JOIN tree ON t.parent_id = tree.id) \
     SELECT * FROM tree"
);
snap!(
    data_modifying_cte,
    "WITH gone AS (DELETE FROM tasks WHERE done RETURNING id) SELECT count(*) FROM gone"
);
snap!(
    placeholders_shift,
    "SELECT * FROM tasks WHERE id = $2 AND title = '$7' AND project_id = $1"
);
snap!(explain, "EXPLAIN SELECT * FROM tasks");
// INSERT
snap!(insert_values, "INSERT INTO tasks (title) VALUES ($1)");
snap!(
    insert_multi_row,
    "INSERT INTO tasks (title, done) VALUES ('a', false), ('b', true)"
);
snap!(insert_default_values, "INSERT INTO tasks DEFAULT VALUES");
snap!(
    insert_select,
    "INSERT INTO tasks (title) SELECT name FROM projects WHERE id = $1"
);
snap!(
    insert_select_union,
    "INSERT INTO tasks (title) SELECT name FROM projects UNION SELECT name FROM plans"
);
snap!(
    insert_explicit_param,
    "INSERT INTO tasks (title, tenant_id) VALUES ($1, $2)"
);
snap!(
    insert_explicit_literal,
    "INSERT INTO tasks (title, tenant_id) VALUES ('a', 42)"
);
snap!(
    insert_on_conflict_nothing,
    "INSERT INTO tasks (id, title) VALUES (1, 'a') ON CONFLICT DO NOTHING"
);
snap!(
    insert_on_conflict_update,
    "INSERT INTO tasks (id, title) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title"
);
snap!(
    insert_returning,
    "INSERT INTO tasks (title) VALUES ('a') RETURNING id, (SELECT count(*) FROM tasks)"
);
snap!(
    insert_into_reference,
    "INSERT INTO plans (name) VALUES ('free')"
);
// UPDATE / DELETE / MERGE
snap!(
    update,
    "UPDATE tasks SET done = true WHERE id = $1 OR title = $2"
);
snap!(
    update_from,
    "UPDATE tasks t SET title = p.name FROM projects p WHERE p.id = t.project_id RETURNING t.id"
);
snap!(
    update_subquery_in_set,
    "UPDATE tasks SET n = (SELECT count(*) FROM comments c WHERE c.task_id = tasks.id)"
);
snap!(
    update_keeps_tenant,
    "UPDATE tasks SET tenant_id = tenant_id, title = 'x'"
);
snap!(delete, "DELETE FROM tasks WHERE id = $1");
snap!(
    delete_using,
    "DELETE FROM tasks t USING projects p WHERE p.id = t.project_id AND p.archived"
);
snap!(
    merge,
    "MERGE INTO tasks t USING projects p ON t.project_id = p.id \
     WHEN MATCHED AND p.archived THEN DELETE \
     WHEN MATCHED THEN UPDATE SET title = p.name \
     WHEN NOT MATCHED THEN INSERT (title, project_id) VALUES (p.name, p.id)"
);
snap!(
    merge_derived_source,
    "MERGE INTO tasks t USING (SELECT * FROM projects WHERE archived) s ON t.project_id = s.id \
     WHEN MATCHED THEN DELETE"
);
// Pass-through
snap!(no_table, "SELECT 1");
snap!(reference_only, "SELECT * FROM plans WHERE price > 0");
snap!(transaction_control, "BEGIN");

#[test]
fn literal_mode_for_three_key_kinds() -> Result<(), Error> {
    let rewriter = rewriter();
    let sql = "SELECT * FROM tasks t LEFT JOIN comments c ON c.task_id = t.id";
    let uuid = TenantId::parse_as(
        "6f1c0c38-7d49-4d7a-9d61-6a8a4a8d2b11",
        tenancy_core::TenantKeyKind::Uuid,
    )?;
    let out = [TenantId::Int(42), uuid, TenantId::from("o'hara")]
        .iter()
        .map(|tenant| rewriter.rewrite_with_literal(sql, tenant))
        .collect::<Result<Vec<_>, _>>()?;
    insta::assert_snapshot!(out.join("\n"));
    Ok(())
}

#[test]
fn output_is_identical_for_every_tenant() -> Result<(), Error> {
    // Placeholder mode never embeds the tenant: two cold rewrites (no cache in between), bound
    // for two tenants, send one text, which holds the tenant only as its parameter.
    let rewriter = rewriter();
    let sql = "SELECT * FROM tasks WHERE id = $1";
    let a = rewriter.rewrite_uncached(sql)?.bind(&TenantId::Int(1), 1)?;
    let b = rewriter
        .rewrite_uncached(sql)?
        .bind(&TenantId::from("acme"), 1)?;
    assert_eq!(a.sql(), b.sql());
    assert_eq!((a.tenant_param(), b.tenant_param()), (Some(2), Some(2)));
    assert!(!a.sql().contains("acme") && a.sql().ends_with("tasks.tenant_id = $2"));
    let one = rewriter.rewrite_with_literal(sql, &TenantId::Int(1))?;
    let two = rewriter.rewrite_with_literal(sql, &TenantId::Int(2))?;
    assert_ne!(one, two, "only explain mode differs per tenant");
    Ok(())
}
