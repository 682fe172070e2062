//! Every refusal of the rewriter, with the message a user sees.
//!
//! A refusal names the statement kind and, where there is one, the table; the messages are part
//! of the user experience (the `tenancy` CLI prints them on one line), so they are pinned here.

use tenancy_core::{Catalog, Error, Rewriter};

fn rewriter() -> Rewriter {
    let catalog = Catalog::builder()
        .tenant_table("tasks")
        .tenant_table("projects")
        .reference_table("plans")
        .build()
        .expect("test catalog is valid");
    Rewriter::new(catalog)
}

/// The refusal message for `sql`; fails the test if the statement is accepted.
fn refusal(sql: &str) -> String {
    match rewriter().rewrite(sql) {
        Ok(out) => panic!("{sql:?} was accepted as {:?}", out.to_string()),
        Err(error) => {
            let message = error.to_string();
            assert!(
                !message.contains('\n'),
                "{sql:?}: multi-line message {message:?}"
            );
            message
        }
    }
}

fn refused_kind(sql: &str) -> (String, Option<String>) {
    match rewriter().rewrite(sql) {
        Err(Error::Refused {
            statement, table, ..
        }) => (statement, table.map(|t| t.to_string())),
        other => panic!("{sql:?} gave {other:?}, expected Error::Refused"),
    }
}

/// (statement, kind, table, message) for every refusal the rewriter makes.
const REFUSALS: &[(&str, &str, Option<&str>, &str)] = &[
    (
        "TRUNCATE tasks",
        "TRUNCATE",
        Some("public.tasks"),
        "TRUNCATE refused on public.tasks: it removes every tenant's rows; use DELETE, which is scoped",
    ),
    (
        "COPY tasks FROM STDIN",
        "COPY",
        Some("public.tasks"),
        "COPY refused on public.tasks: COPY bypasses the rewriter; use INSERT or SELECT, which are scoped",
    ),
    (
        "COPY (SELECT * FROM tasks) TO STDOUT",
        "COPY",
        Some("public.tasks"),
        "COPY refused on public.tasks: COPY bypasses the rewriter; use INSERT or SELECT, which are scoped",
    ),
    (
        "CREATE TABLE x (a int)",
        "CREATE TABLE",
        Some("public.x"),
        "CREATE TABLE refused on public.x: schema changes belong in migrations run outside a tenant scope (use `unscoped`)",
    ),
    (
        "CREATE INDEX i ON tasks (title)",
        "CREATE INDEX",
        Some("public.tasks"),
        "CREATE INDEX refused on public.tasks: schema changes belong in migrations run outside a tenant scope (use `unscoped`)",
    ),
    (
        "ALTER TABLE tasks ADD COLUMN x int",
        "ALTER TABLE",
        Some("public.tasks"),
        "ALTER TABLE refused on public.tasks: schema changes belong in migrations run outside a tenant scope (use `unscoped`)",
    ),
    (
        "DROP TABLE IF EXISTS plans, tasks",
        "DROP TABLE",
        Some("public.tasks"),
        "DROP TABLE refused on public.tasks: schema changes belong in migrations run outside a tenant scope (use `unscoped`)",
    ),
    (
        "GRANT SELECT ON tasks TO bob",
        "GRANT SELECT",
        Some("public.tasks"),
        "GRANT SELECT refused on public.tasks: schema changes belong in migrations run outside a tenant scope (use `unscoped`)",
    ),
    (
        "COMMENT ON TABLE tasks IS 'x'",
        "COMMENT",
        Some("public.tasks"),
        "COMMENT refused on public.tasks: schema changes belong in migrations run outside a tenant scope (use `unscoped`)",
    ),
    (
        "CREATE VIEW v AS SELECT * FROM tasks",
        "CREATE VIEW",
        Some("public.tasks"),
        "CREATE VIEW refused on public.tasks: schema changes belong in migrations run outside a tenant scope (use `unscoped`)",
    ),
    (
        "LOCK TABLE tasks",
        "LOCK TABLE",
        Some("public.tasks"),
        "LOCK TABLE refused on public.tasks: locking a table blocks every tenant; lock rows with SELECT ... FOR UPDATE",
    ),
    (
        "CALL do_it()",
        "CALL",
        None,
        "CALL refused: procedures run SQL the rewriter cannot see; call the statements directly",
    ),
    (
        "DO $$ BEGIN END $$",
        "DO",
        None,
        "DO refused: anonymous code blocks run SQL the rewriter cannot see; run the statements one by one",
    ),
    (
        "REINDEX TABLE tasks",
        "REINDEX",
        None,
        "REINDEX refused: the rewriter does not support this statement kind; run it outside a tenant scope with `unscoped` if it is admin work",
    ),
    (
        "SET tenancy.tenant_id = '5'",
        "SET",
        None,
        "SET refused: `tenancy.tenant_id` decides which rows this session may see; the SDK manages it (use tenancy scopes, or `unscoped` for audited admin work)",
    ),
    (
        "SET LOCAL search_path TO app",
        "SET",
        None,
        "SET refused: `search_path` decides which rows this session may see; the SDK manages it (use tenancy scopes, or `unscoped` for audited admin work)",
    ),
    (
        "SET ROLE admin",
        "SET ROLE",
        None,
        "SET ROLE refused: switching roles can bypass row-level security; connect as the right role instead",
    ),
    (
        "RESET ALL",
        "RESET",
        None,
        "RESET refused: it would also reset the tenancy settings; reset individual settings instead",
    ),
    (
        "RESET tenancy.tenant_id",
        "RESET",
        None,
        "RESET refused: `tenancy.tenant_id` decides which rows this session may see; the SDK manages it (use tenancy scopes, or `unscoped` for audited admin work)",
    ),
    (
        "DISCARD ALL",
        "DISCARD ALL",
        None,
        "DISCARD ALL refused: it drops session state the SDK manages (settings, prepared statements, temporary tables); run it outside a tenant scope with `unscoped` if it is admin work",
    ),
    (
        "PREPARE p AS SELECT * FROM tasks",
        "PREPARE",
        Some("public.tasks"),
        "PREPARE refused on public.tasks: the rewriter cannot prove it safe under a tenant scope; run it outside a tenant scope with `unscoped` if it is admin work",
    ),
    (
        "DECLARE c CURSOR FOR SELECT * FROM tasks",
        "DECLARE",
        Some("public.tasks"),
        "DECLARE refused on public.tasks: the rewriter cannot prove it safe under a tenant scope; run it outside a tenant scope with `unscoped` if it is admin work",
    ),
    (
        "SELECT * INTO newt FROM tasks",
        "SELECT INTO",
        None,
        "SELECT INTO refused: it creates a table; create tables in migrations and use INSERT ... SELECT",
    ),
    (
        "SELECT set_config('tenancy.tenant_id', '2', true)",
        "SELECT",
        None,
        "SELECT refused: `tenancy.tenant_id` decides which rows this session may see; the SDK manages it (use tenancy scopes, or `unscoped` for audited admin work)",
    ),
    (
        "SELECT set_config(name, '2', true) FROM plans",
        "SELECT",
        None,
        "SELECT refused: set_config with a computed setting name could change any setting, including the ones the SDK manages; name an allowed setting as a string literal",
    ),
    (
        "SET work_mem = '64MB'",
        "SET",
        None,
        "SET refused: setting `work_mem` is not on the allow-list; if changing it is harmless for your application, allow it with `Catalog::builder().allow_setting(\"work_mem\")` or `[allow] settings = [\"work_mem\"]`",
    ),
    (
        "SET NAMES 'SQL_ASCII'",
        "SET",
        None,
        "SET refused: `client_encoding` changes how PostgreSQL reads the text of later statements, so they could mean something other than what the rewriter checked; keep the server's setting",
    ),
    (
        "SELECT query_to_xml('select * from tasks', true, false, '')",
        "SELECT",
        None,
        "SELECT refused: function query_to_xml runs SQL text the rewriter cannot see, so it could read other tenants' rows; run such statements outside a tenant scope with `unscoped` if they are admin work",
    ),
    (
        "SELECT nextval('tasks_id_seq')",
        "SELECT",
        None,
        "SELECT refused: function nextval reads or moves a sequence shared by every tenant, which reveals their activity; if this is safe for your application, allow it with `Catalog::builder().allow_function(\"nextval\")` or `[allow] functions = [\"nextval\"]`",
    ),
    (
        "SELECT slugify(title) FROM tasks",
        "SELECT",
        None,
        "SELECT refused: function slugify is not on the rewriter's allow-list: the rewriter cannot see what it reads or writes, so it could reach other tenants' rows; if it reads nothing but its arguments (or only the current tenant's rows), allow it with `Catalog::builder().allow_function(\"slugify\")` or `[allow] functions = [\"slugify\"]`",
    ),
    (
        "SELECT relname FROM pg_catalog.pg_class",
        "SELECT",
        Some("pg_catalog.pg_class"),
        "SELECT refused on pg_catalog.pg_class: system catalogs and statistics views describe every tenant's data (pg_stats holds sample values of every column); read your own tables instead (an unqualified `pg_` name is always PostgreSQL's own), or if reading it is safe for your application, allow it with `Catalog::builder().allow_relation(\"pg_catalog.pg_class\")` or `[allow] relations = [\"pg_catalog.pg_class\"]`",
    ),
    (
        "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM tasks",
        "EXPLAIN ANALYZE",
        None,
        "EXPLAIN ANALYZE refused: its row counts include the rows the tenant filter removed, which tells one tenant about another's data; use EXPLAIN without ANALYZE, or run it with `unscoped`",
    ),
    (
        "INSERT INTO tasks VALUES (1)",
        "INSERT",
        Some("public.tasks"),
        "INSERT refused on public.tasks: name the columns (INSERT INTO t (a, b) ...) so the tenant column can be filled in",
    ),
    (
        "INSERT INTO tasks (tenant_id) SELECT * FROM projects",
        "INSERT",
        Some("public.tasks"),
        "INSERT refused on public.tasks: the tenant column comes from a query the rewriter cannot check; omit the tenant column and the SDK fills it in",
    ),
    (
        "INSERT INTO tasks (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET tenant_id = 2",
        "INSERT ... ON CONFLICT DO UPDATE",
        Some("public.tasks"),
        "INSERT ... ON CONFLICT DO UPDATE refused on public.tasks: it may not SET the tenant column; rows never move between tenants",
    ),
    (
        "UPDATE tasks SET (tenant_id, title) = ($1, 'x')",
        "UPDATE",
        Some("public.tasks"),
        "UPDATE refused on public.tasks: it sets the tenant column tenant_id inside a tuple assignment; set it on its own, or leave it out: rows never move between tenants",
    ),
    (
        "MERGE INTO tasks t USING projects p ON t.id = p.id WHEN NOT MATCHED THEN INSERT VALUES (p.id)",
        "MERGE",
        Some("public.tasks"),
        "MERGE refused on public.tasks: name the columns in WHEN NOT MATCHED THEN INSERT (a, b) so the tenant column can be filled in",
    ),
    (
        "MERGE INTO tasks t USING projects p ON t.id = p.id WHEN NOT MATCHED BY SOURCE THEN DELETE",
        "MERGE",
        Some("public.tasks"),
        "MERGE refused on public.tasks: WHEN NOT MATCHED BY SOURCE would reach other tenants' rows; use a scoped UPDATE or DELETE instead",
    ),
    (
        "SELECT * FROM JSON_TABLE((SELECT doc FROM tasks LIMIT 1), '$' COLUMNS (a int PATH '$.a')) AS j",
        "SELECT",
        Some("public.tasks"),
        "SELECT refused on public.tasks: cannot prove public.tasks is scoped: JSON_TABLE is not supported; rewrite the statement without it or run it with `unscoped`",
    ),
];

#[test]
fn every_refusal_names_its_kind_table_and_remedy() {
    for (sql, kind, table, message) in REFUSALS {
        assert_eq!(refusal(sql), *message, "message for {sql:?}");
        let (got_kind, got_table) = refused_kind(sql);
        assert_eq!(got_kind, *kind, "kind for {sql:?}");
        assert_eq!(got_table.as_deref(), *table, "table for {sql:?}");
    }
}

#[test]
fn unknown_tables_are_refused_wherever_they_appear() {
    for sql in [
        "SELECT * FROM secrets",
        "SELECT * FROM tasks WHERE id IN (SELECT id FROM secrets)",
        "UPDATE secrets SET a = 1",
        "INSERT INTO tasks (title) SELECT name FROM secrets",
        "WITH x AS (SELECT * FROM secrets) SELECT * FROM x",
    ] {
        assert_eq!(
            refusal(sql),
            "table public.secrets is not in the tenancy catalog: add it as a tenant table \
             (with its tenant column) or as a reference table",
            "{sql}"
        );
    }
}

#[test]
fn zero_or_several_statements_are_parse_errors() {
    assert_eq!(
        refusal(""),
        "cannot parse SQL: expected exactly one SQL statement, found 0: send statements one at a time"
    );
    assert_eq!(
        refusal("SELECT 1; SELECT 2"),
        "cannot parse SQL: expected exactly one SQL statement, found 2: send statements one at a time"
    );
    assert!(matches!(
        rewriter().rewrite("SELEC 1"),
        Err(Error::Parse { .. })
    ));
    // A trailing semicolon is fine.
    assert!(rewriter().rewrite("SELECT 1;").is_ok());
}

#[test]
fn a_literal_tenant_for_another_tenant_is_refused_in_explain_mode() {
    let error = rewriter()
        .rewrite_with_literal(
            "INSERT INTO tasks (title, tenant_id) VALUES ('a', 7)",
            &tenancy_core::TenantId::Int(8),
        )
        .map(|_| ())
        .map_err(|e| e.to_string());
    assert_eq!(
        error,
        Err(
            "tenant mismatch: the statement writes tenant 7 to public.tasks but the current \
             tenant is 8; omit the tenant column and the SDK fills it in"
                .to_owned()
        )
    );
}

#[test]
fn harmless_statements_are_not_refused() -> Result<(), Error> {
    for sql in [
        "SELECT set_config('statement_timeout', '2', true)",
        "SHOW search_path",
        "SET statement_timeout = 1000",
        "RESET statement_timeout",
        "START TRANSACTION",
        "RELEASE SAVEPOINT a",
    ] {
        assert_eq!(rewriter().rewrite(sql)?.to_string(), sql);
    }
    Ok(())
}
