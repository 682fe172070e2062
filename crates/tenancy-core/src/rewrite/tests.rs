//! Unit tests, one group per rule of `docs/rewriter.md`.

use super::*;

fn catalog() -> Catalog {
    Catalog::builder()
        .tenant_table_by("accounts", "id")
        .tenant_table("tasks")
        .tenant_table("projects")
        .tenant_table_by("comments", "org_id")
        .tenant_table("app.events")
        .tenant_table("\"Mixed\"")
        .tenant_table_by("orders", "user")
        .reference_table("plans")
        .allow_relation("pg_catalog.pg_type")
        .build()
        .expect("test catalog is valid")
}

fn rewrite(sql: &str) -> Result<String, Error> {
    Rewriter::new(catalog()).rewrite(sql).map(|r| r.to_string())
}

fn assert_rewrites(sql: &str, expected: &str) {
    match rewrite(sql) {
        Ok(out) => assert_eq!(out, expected, "input: {sql}"),
        Err(error) => panic!("{sql} was refused: {error}"),
    }
}

fn refusal(sql: &str) -> String {
    match rewrite(sql) {
        Ok(out) => panic!("{sql} was not refused, it became: {out}"),
        Err(error) => error.to_string(),
    }
}

// Rule 1: every reference at every level, original WHERE parenthesised.

#[test]
fn where_is_parenthesised_and_alias_is_used() {
    assert_rewrites(
        "SELECT * FROM tasks t WHERE t.a OR t.b",
        "SELECT * FROM tasks t WHERE (t.a OR t.b) AND t.tenant_id = $1",
    );
}

#[test]
fn subqueries_in_every_clause_are_scoped() {
    assert_rewrites(
        "SELECT (SELECT count(*) FROM comments c WHERE c.task_id = t.id), \
         ARRAY(SELECT id FROM projects) FROM tasks t \
         WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = t.pid) \
         GROUP BY t.id HAVING t.id > ANY (SELECT id FROM tasks) \
         ORDER BY (SELECT max(id) FROM projects)",
        "SELECT (SELECT count(*) FROM comments c WHERE (c.task_id = t.id) AND c.org_id = $1), \
         ARRAY(SELECT id FROM projects WHERE projects.tenant_id = $1) FROM tasks t \
         WHERE (EXISTS (SELECT 1 FROM projects p WHERE (p.id = t.pid) AND p.tenant_id = $1)) \
         AND t.tenant_id = $1 \
         GROUP BY t.id HAVING t.id > ANY(SELECT id FROM tasks WHERE tasks.tenant_id = $1) \
         ORDER BY (SELECT max(id) FROM projects WHERE projects.tenant_id = $1)",
    );
}

#[test]
fn every_set_operation_branch_is_scoped() {
    assert_rewrites(
        "SELECT id FROM tasks UNION SELECT id FROM projects EXCEPT SELECT id FROM plans",
        "SELECT id FROM tasks WHERE tasks.tenant_id = $1 UNION SELECT id FROM projects \
         WHERE projects.tenant_id = $1 EXCEPT SELECT id FROM plans",
    );
}

#[test]
fn table_command_becomes_a_scoped_select() {
    assert_rewrites(
        "TABLE tasks",
        "SELECT * FROM tasks WHERE tasks.tenant_id = $1",
    );
    assert_rewrites(
        "SELECT id FROM plans UNION (TABLE projects)",
        "SELECT id FROM plans UNION (SELECT * FROM projects WHERE projects.tenant_id = $1)",
    );
}

#[test]
fn schema_qualified_tables_are_qualified_by_their_bare_name() {
    assert_rewrites(
        "SELECT * FROM app.events",
        "SELECT * FROM app.events WHERE events.tenant_id = $1",
    );
    assert_rewrites(
        "SELECT * FROM \"Mixed\"",
        "SELECT * FROM \"Mixed\" WHERE \"Mixed\".tenant_id = $1",
    );
}

#[test]
fn only_ascii_letters_fold_like_a_utf8_database() {
    // PostgreSQL keeps non-ASCII letters of unquoted names as written: ÉTÉ names `ÉtÉ`.
    let rewriter = Rewriter::new(
        Catalog::builder()
            .tenant_table("\"ÉtÉ\"")
            .build()
            .expect("valid catalog"),
    );
    let scoped = rewriter.rewrite("SELECT * FROM ÉTÉ").map(|r| r.to_string());
    assert_eq!(
        scoped.ok().as_deref(),
        Some("SELECT * FROM ÉTÉ WHERE ÉTÉ.tenant_id = $1")
    );
    assert!(matches!(
        rewriter.rewrite("SELECT * FROM \"été\""),
        Err(Error::UnknownTable { .. })
    ));
}

#[test]
fn tenant_columns_that_need_quoting_are_quoted() {
    assert_rewrites(
        "SELECT * FROM orders",
        "SELECT * FROM orders WHERE orders.\"user\" = $1",
    );
    assert_rewrites(
        "INSERT INTO orders (id) VALUES (1)",
        "INSERT INTO orders (id, \"user\") VALUES (1, $1)",
    );
}

#[test]
fn lateral_and_derived_tables_are_scoped_inside() {
    assert_rewrites(
        "SELECT * FROM projects p, LATERAL (SELECT * FROM tasks t WHERE t.pid = p.id) x",
        "SELECT * FROM projects p, LATERAL (SELECT * FROM tasks t WHERE (t.pid = p.id) \
         AND t.tenant_id = $1) x WHERE p.tenant_id = $1",
    );
}

// Rule 2: outer joins.

#[test]
fn left_join_scopes_the_nullable_side_in_on() {
    assert_rewrites(
        "SELECT * FROM tasks t LEFT JOIN comments c ON c.tid = t.id",
        "SELECT * FROM tasks t LEFT JOIN comments c ON (c.tid = t.id) AND c.org_id = $1 \
         WHERE t.tenant_id = $1",
    );
}

#[test]
fn right_join_scopes_everything_on_its_left_in_on() {
    assert_rewrites(
        "SELECT * FROM tasks t JOIN projects p ON p.id = t.pid RIGHT JOIN comments c ON c.tid = t.id",
        "SELECT * FROM tasks t JOIN projects p ON p.id = t.pid RIGHT JOIN comments c \
         ON (c.tid = t.id) AND t.tenant_id = $1 AND p.tenant_id = $1 WHERE c.org_id = $1",
    );
}

#[test]
fn full_join_uses_filtered_derived_tables() {
    assert_rewrites(
        "SELECT * FROM tasks t FULL JOIN projects p ON p.id = t.pid",
        "SELECT * FROM (SELECT * FROM tasks WHERE tasks.tenant_id = $1) t FULL JOIN \
         (SELECT * FROM projects WHERE projects.tenant_id = $1) p ON p.id = t.pid",
    );
}

#[test]
fn outer_join_with_using_wraps_the_nullable_side() {
    assert_rewrites(
        "SELECT * FROM tasks LEFT JOIN projects USING (id)",
        "SELECT * FROM tasks LEFT JOIN (SELECT * FROM projects WHERE projects.tenant_id = $1) \
         AS projects USING(id) WHERE tasks.tenant_id = $1",
    );
}

#[test]
fn column_alias_lists_wrap_the_table_before_renaming() {
    assert_rewrites(
        "SELECT a FROM tasks AS t (a, b)",
        "SELECT a FROM (SELECT * FROM tasks WHERE tasks.tenant_id = $1) AS t (a, b)",
    );
}

// Rule 3: CTE scope.

#[test]
fn cte_names_shadow_tables_only_inside_their_scope() {
    assert_rewrites(
        "WITH tasks AS (SELECT * FROM tasks) SELECT * FROM tasks",
        "WITH tasks AS (SELECT * FROM tasks WHERE tasks.tenant_id = $1) SELECT * FROM tasks",
    );
    assert_rewrites(
        "WITH x AS (SELECT 1) SELECT * FROM (SELECT * FROM x) y, tasks",
        "WITH x AS (SELECT 1) SELECT * FROM (SELECT * FROM x) y, tasks \
         WHERE tasks.tenant_id = $1",
    );
}

#[test]
fn recursive_cte_sees_itself() {
    assert_rewrites(
        "WITH RECURSIVE tasks AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM tasks) SELECT * FROM tasks",
        "WITH RECURSIVE tasks AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM tasks) SELECT * FROM tasks",
    );
}

#[test]
fn table_functions_are_not_tables() {
    assert_rewrites(
        "SELECT * FROM generate_series(1, 3) g, unnest(ARRAY[1]) u",
        "SELECT * FROM generate_series(1, 3) g, unnest(ARRAY[1]) u",
    );
}

// Rule 4: writes.

#[test]
fn insert_fills_the_tenant_into_every_row() {
    assert_rewrites(
        "INSERT INTO tasks (title) VALUES ('a'), ('b')",
        "INSERT INTO tasks (title, tenant_id) VALUES ('a', $1), ('b', $1)",
    );
    assert_rewrites(
        "INSERT INTO tasks DEFAULT VALUES",
        "INSERT INTO tasks (tenant_id) VALUES ($1)",
    );
}

#[test]
fn insert_select_appends_the_tenant_to_the_projection() {
    // One row per source row: the source's own tenant column, held to the tenant by WHERE
    // (what Citus needs to push the statement down to the shards).
    assert_rewrites(
        "INSERT INTO tasks (title) SELECT name FROM projects",
        "INSERT INTO tasks (title, tenant_id) SELECT name, projects.tenant_id FROM projects \
         WHERE projects.tenant_id = $1",
    );
    assert_rewrites(
        "INSERT INTO tasks (title) SELECT p.name FROM plans, projects p WHERE p.x",
        "INSERT INTO tasks (title, tenant_id) SELECT p.name, p.tenant_id FROM plans, projects p \
         WHERE (p.x) AND p.tenant_id = $1",
    );
    // Grouped or aggregated rows, or no tenant table: the tenant parameter.
    assert_rewrites(
        "INSERT INTO tasks (title) SELECT max(name) FROM projects",
        "INSERT INTO tasks (title, tenant_id) SELECT max(name), $1 FROM projects \
         WHERE projects.tenant_id = $1",
    );
    assert_rewrites(
        "INSERT INTO tasks (title) SELECT DISTINCT name FROM projects",
        "INSERT INTO tasks (title, tenant_id) SELECT DISTINCT name, $1 FROM projects \
         WHERE projects.tenant_id = $1",
    );
    assert_rewrites(
        "INSERT INTO tasks (title) SELECT name FROM plans",
        "INSERT INTO tasks (title, tenant_id) SELECT name, $1 FROM plans",
    );
    assert_rewrites(
        "INSERT INTO tasks (title) SELECT name FROM plans UNION SELECT 'x'",
        "INSERT INTO tasks (title, tenant_id) SELECT s.*, $1 FROM \
         (SELECT name FROM plans UNION SELECT 'x') AS s",
    );
}

#[test]
fn explicit_tenant_literals_are_checked_against_the_tenant() -> Result<(), Error> {
    let rewriter = Rewriter::new(catalog());
    let insert = rewriter.rewrite("INSERT INTO tasks (title, tenant_id) VALUES ('a', 7)")?;
    // The text is safe on its own: the literal is guarded against the tenant parameter ...
    assert_eq!(
        insert.to_string(),
        format!(
            "INSERT INTO tasks (title, tenant_id) VALUES ('a', {})",
            guard("7", "$1")
        )
    );
    // ... and `bind` refuses a mismatch before anything is sent.
    insert.bind(&TenantId::Int(7), 0)?;
    assert!(matches!(
        insert.bind(&TenantId::Int(8), 0),
        Err(Error::TenantMismatch { .. })
    ));
    let literal = rewriter.rewrite_with_literal(
        "INSERT INTO tasks (title, tenant_id) VALUES ('a', 7)",
        &TenantId::Int(8),
    );
    assert!(matches!(literal, Err(Error::TenantMismatch { .. })));
    let text = rewriter.rewrite("UPDATE accounts SET id = 'acme', name = 'n'")?;
    text.bind(&TenantId::from("acme"), 0)?;
    assert!(text.bind(&TenantId::from("other"), 0).is_err());
    Ok(())
}

#[test]
fn explicit_tenant_parameters_are_guarded_at_run_time() {
    // Only the tenant column's value changes: the other values keep their untyped literals.
    assert_rewrites(
        "INSERT INTO tasks (title, due, tenant_id) VALUES ($1, '2024-01-01', $2)",
        &format!(
            "INSERT INTO tasks (title, due, tenant_id) VALUES ($1, '2024-01-01', {})",
            guard("$2", "$3")
        ),
    );
    // A computed value is evaluated once on the way to a match, parenthesised.
    assert_rewrites(
        "INSERT INTO tasks (tenant_id) VALUES (abs($1) + 0), ($2)",
        &format!(
            "INSERT INTO tasks (tenant_id) VALUES ({}), ({})",
            guard("(abs($1) + 0)", "$3"),
            guard("$2", "$3")
        ),
    );
}

/// The write guard's text for `value` checked against `tenant` on `public.tasks`.
fn guard(value: &str, tenant: &str) -> String {
    format!(
        "NULLIF({tenant}, CASE WHEN {value} = {tenant} THEN NULL WHEN CAST('tenant mismatch on \
         public.tasks: ' || COALESCE(CAST({value} AS TEXT), 'NULL') || ' is not ' || \
         CAST({tenant} AS TEXT) AS INT) IS NULL THEN {tenant} END)"
    )
}

#[test]
fn default_as_the_tenant_value_becomes_the_tenant() {
    assert_rewrites(
        "INSERT INTO tasks (tenant_id, title) VALUES (DEFAULT, 'a')",
        "INSERT INTO tasks (tenant_id, title) VALUES ($1, 'a')",
    );
}

#[test]
fn on_conflict_do_update_only_updates_the_tenants_row() {
    assert_rewrites(
        "INSERT INTO tasks AS t (id, title) VALUES (1, 'a') \
         ON CONFLICT (id) DO UPDATE SET title = excluded.title WHERE t.done",
        "INSERT INTO tasks AS t (id, title, tenant_id) VALUES (1, 'a', $1) \
         ON CONFLICT(id) DO UPDATE SET title = excluded.title WHERE (t.done) AND t.tenant_id = EXCLUDED.tenant_id",
    );
    // A guarded tenant value: the conflicting row is compared with the proposed row, which the
    // guard holds to the current tenant (a parameter here would reach Citus workers untyped).
    assert_rewrites(
        "INSERT INTO tasks (tenant_id, id) VALUES ($1, 2) ON CONFLICT (id) DO UPDATE SET title = 'x'",
        &format!(
            "INSERT INTO tasks (tenant_id, id) VALUES ({}, 2) ON CONFLICT(id) DO UPDATE SET \
             title = 'x' WHERE tasks.tenant_id = EXCLUDED.tenant_id",
            guard("$1", "$2")
        ),
    );
    assert!(
        refusal("INSERT INTO tasks (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET tenant_id = 2")
            .contains("may not SET the tenant column")
    );
}

#[test]
fn update_may_keep_but_never_change_the_tenant() {
    assert_rewrites(
        "UPDATE tasks SET tenant_id = tenant_id, title = 'x'",
        "UPDATE tasks SET tenant_id = tenant_id, title = 'x' WHERE tasks.tenant_id = $1",
    );
    // Any other value is guarded: the row keeps the tenant, or the statement fails.
    assert_rewrites(
        "UPDATE tasks SET tenant_id = $1",
        &format!(
            "UPDATE tasks SET tenant_id = {} WHERE tasks.tenant_id = $2",
            guard("$1", "$2")
        ),
    );
    assert!(refusal("UPDATE tasks SET (tenant_id, a) = (1, 2)").contains("sets the tenant column"));
}

#[test]
fn update_from_and_delete_using_scope_every_table() {
    assert_rewrites(
        "UPDATE tasks t SET title = p.name FROM projects p WHERE p.id = t.pid",
        "UPDATE tasks t SET title = p.name FROM projects p WHERE (p.id = t.pid) \
         AND t.tenant_id = $1 AND p.tenant_id = $1",
    );
    assert_rewrites(
        "DELETE FROM tasks USING projects p WHERE p.id = tasks.pid RETURNING tasks.id",
        "DELETE FROM tasks USING projects p WHERE (p.id = tasks.pid) AND tasks.tenant_id = $1 \
         AND p.tenant_id = $1 RETURNING tasks.id",
    );
}

#[test]
fn merge_scopes_target_in_on_and_source_as_derived_table() {
    assert_rewrites(
        "MERGE INTO tasks t USING projects p ON t.pid = p.id \
         WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT (title) VALUES (p.name)",
        "MERGE INTO tasks t USING (SELECT * FROM projects WHERE projects.tenant_id = $1) p \
         ON (t.pid = p.id) AND t.tenant_id = $1 WHEN MATCHED THEN DELETE \
         WHEN NOT MATCHED THEN INSERT (title, tenant_id) VALUES (p.name, p.tenant_id)",
    );
    // Without a tenant table as the source, the tenant is the parameter.
    assert_rewrites(
        "MERGE INTO tasks t USING (VALUES (1, 'a')) AS s (id, title) ON t.id = s.id \
         WHEN NOT MATCHED THEN INSERT (id, title) VALUES (s.id, s.title)",
        "MERGE INTO tasks t USING (VALUES (1, 'a')) AS s (id, title) ON (t.id = s.id) AND t.tenant_id = $1 \
         WHEN NOT MATCHED THEN INSERT (id, title, tenant_id) VALUES (s.id, s.title, $1)",
    );
}

// Rule 5: refusals and pass-through.

#[test]
fn statements_without_tenant_tables_pass_unchanged() -> Result<(), Error> {
    let rewriter = Rewriter::new(catalog());
    for sql in [
        "SELECT 1",
        "select now()  ;",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT a",
        "SHOW work_mem",
        "SET statement_timeout = 5",
        "SELECT * FROM plans p JOIN pg_catalog.pg_type c ON true",
    ] {
        let out = rewriter.rewrite(sql)?;
        assert_eq!(out.to_string(), sql);
        assert_eq!(out.tenant_param(), None);
    }
    Ok(())
}

#[test]
fn unknown_tables_are_refused() {
    assert!(matches!(
        rewrite("SELECT * FROM tasks JOIN secrets ON true"),
        Err(Error::UnknownTable { .. })
    ));
}

#[test]
fn explain_rewrites_the_inner_statement() {
    assert_rewrites(
        "EXPLAIN VERBOSE SELECT * FROM tasks",
        "EXPLAIN VERBOSE SELECT * FROM tasks WHERE tasks.tenant_id = $1",
    );
    // ANALYZE counts the rows the filter removed: another tenant's rows, as a number.
    for sql in [
        "EXPLAIN ANALYZE SELECT * FROM tasks",
        "EXPLAIN (analyze) SELECT * FROM tasks",
        "EXPLAIN (COSTS OFF, ANALYZE true) DELETE FROM tasks",
    ] {
        assert!(refusal(sql).starts_with("EXPLAIN ANALYZE refused"), "{sql}");
    }
}

#[test]
fn every_error_message_is_one_line() {
    for sql in [
        "SELEC 1",
        "TRUNCATE tasks",
        "SELECT 1; SELECT 2",
        "",
        "DO $$ begin end $$",
    ] {
        if let Err(error) = rewrite(sql) {
            assert!(!error.to_string().contains('\n'), "{sql}: {error}");
        } else {
            panic!("{sql} should fail");
        }
    }
}

// Fail-closed net.

#[test]
fn verification_refuses_a_tenant_table_the_walker_does_not_scope() {
    // The walker deliberately leaves JSON_TABLE alone; the net must notice the table inside.
    let message = refusal(
        "SELECT * FROM JSON_TABLE((SELECT doc FROM tasks LIMIT 1), '$' COLUMNS (a int PATH '$.a')) AS j",
    );
    assert!(
        message.contains("cannot prove public.tasks is scoped: JSON_TABLE"),
        "{message}"
    );
}

#[test]
fn verification_checks_the_tenant_predicates_themselves() -> Result<(), Error> {
    let cat = catalog();
    let tenant = TenantValue::Placeholder(1).to_expr();
    let scoped = statement_for_test(
        "SELECT * FROM tasks JOIN projects ON true WHERE tasks.tenant_id = $1 AND projects.tenant_id = $1",
    )?;
    assert!(verify::verify(&cat, "SELECT", &scoped, &tenant).is_ok());
    // The same two predicates, one of them for the wrong tenant parameter.
    let wrong = statement_for_test(
        "SELECT * FROM tasks JOIN projects ON true WHERE tasks.tenant_id = $1 AND projects.tenant_id = $2",
    )?;
    assert!(matches!(
        verify::verify(&cat, "SELECT", &wrong, &tenant),
        Err(Error::Refused {
            kind: crate::RefusalKind::Unverified,
            ..
        })
    ));
    Ok(())
}

fn statement_for_test(sql: &str) -> Result<sqlparser::ast::Statement, Error> {
    use sqlparser::dialect::PostgreSqlDialect;
    sqlparser::parser::Parser::parse_sql(&PostgreSqlDialect {}, sql)
        .map_err(|e| Error::Parse {
            message: e.to_string(),
            source: Some(e),
        })?
        .pop()
        .ok_or_else(|| Error::Parse {
            message: "no statement".into(),
            source: None,
        })
}

// Rule 6: placeholders.

#[test]
fn tenant_placeholder_follows_the_highest_existing_one() -> Result<(), Error> {
    let rewriter = Rewriter::new(catalog());
    let out = rewriter.rewrite("SELECT * FROM tasks WHERE a = $3 AND b = '$9' AND c = $1")?;
    assert_eq!(out.tenant_param(), Some(4));
    assert!(
        out.to_string().ends_with("AND tasks.tenant_id = $4"),
        "{}",
        out
    );
    Ok(())
}

#[test]
fn literal_mode_builds_quoted_literals() -> Result<(), Error> {
    let rewriter = Rewriter::new(catalog());
    let tenant = TenantId::from("o'hara");
    assert_eq!(
        rewriter.rewrite_with_literal("SELECT * FROM tasks", &tenant)?,
        "SELECT * FROM tasks WHERE tasks.tenant_id = 'o''hara'"
    );
    let uuid = TenantId::Uuid(uuid::Uuid::nil());
    assert_eq!(
        rewriter.rewrite_with_literal("SELECT * FROM tasks", &uuid)?,
        "SELECT * FROM tasks WHERE tasks.tenant_id = CAST('00000000-0000-0000-0000-000000000000' AS UUID)"
    );
    Ok(())
}

// Rule 7: cache.

#[test]
fn cache_hits_return_the_same_arc() -> Result<(), Error> {
    let rewriter = Rewriter::new(catalog());
    let first = rewriter.rewrite("SELECT * FROM tasks")?;
    let second = rewriter.rewrite("SELECT * FROM tasks")?;
    assert!(Arc::ptr_eq(&first, &second));
    let other = rewriter.rewrite("SELECT * FROM tasks ")?;
    assert!(!Arc::ptr_eq(&first, &other), "keys are the exact text");
    Ok(())
}

#[test]
fn a_new_catalog_never_reuses_old_rewrites() -> Result<(), Error> {
    let cache = Arc::new(RewriteCache::new(16));
    let before = Rewriter::with_cache(
        Catalog::builder().tenant_table("tasks").build()?,
        Arc::clone(&cache),
    );
    let after = Rewriter::with_cache(
        Catalog::builder()
            .tenant_table_by("tasks", "org_id")
            .build()?,
        Arc::clone(&cache),
    );
    let old = before.rewrite("SELECT * FROM tasks")?;
    let new = after.rewrite("SELECT * FROM tasks")?;
    assert_eq!(
        old.to_string(),
        "SELECT * FROM tasks WHERE tasks.tenant_id = $1"
    );
    assert_eq!(
        new.to_string(),
        "SELECT * FROM tasks WHERE tasks.org_id = $1"
    );
    assert_eq!(cache.len(), 2);
    Ok(())
}

#[test]
fn refusals_are_not_cached() {
    let rewriter = Rewriter::new(catalog());
    assert!(rewriter.rewrite("TRUNCATE tasks").is_err());
    assert!(rewriter.cache.is_empty());
}

// String literals and quoted identifiers must print back exactly (see `literal.rs`).

#[test]
fn a_quote_after_a_backslash_cannot_end_a_literal_early() {
    // PostgreSQL reads '\'' as backslash, quote: the text stays one literal, printed as an
    // escape string, so the tenant predicate after it is still SQL.
    assert_rewrites(
        r"SELECT id FROM tasks WHERE title = '\'') OR 1=1 --'",
        r"SELECT id FROM tasks WHERE (title = E'\\\') OR 1=1 --') AND tasks.tenant_id = $1",
    );
    assert_rewrites(
        "SELECT 'a''''b', 'it''s' FROM tasks",
        r"SELECT E'a\'\'b', 'it''s' FROM tasks WHERE tasks.tenant_id = $1",
    );
}

#[test]
fn quoted_identifiers_that_would_print_differently_are_refused() {
    for sql in [
        r#"SELECT "a\""" FROM tasks"#,
        r#"SELECT 1 AS "x""""y" FROM tasks"#,
    ] {
        let message = refusal(sql);
        assert!(message.contains("quoted identifier"), "{sql}: {message}");
    }
}

#[test]
fn a_text_tenant_with_quotes_is_written_as_an_exact_literal() {
    let rewriter = Rewriter::new(catalog());
    let explained = rewriter
        .rewrite_with_literal("SELECT id FROM tasks", &TenantId::from(r"o\''x"))
        .map_err(|e| e.to_string());
    assert_eq!(
        explained.as_deref(),
        Ok(r"SELECT id FROM tasks WHERE tasks.tenant_id = E'o\\\'\'x'")
    );
}
