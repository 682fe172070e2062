//! The differential corpus: statements over the schema in [`crate::schema`], each run for every
//! tenant, original on the tenant's isolated database and rewritten on the shared one.
//!
//! Every statement must be deterministic as a multiset of rows (results are compared sorted), and
//! must succeed on an isolated database unless its [`Expect`] says otherwise.

/// A bind value of a statement's own `$n` parameters.
#[derive(Clone, Copy, Debug)]
pub enum Param {
    /// `bigint`.
    Int(i64),
    /// `text`.
    Text(&'static str),
    /// `boolean`.
    Bool(bool),
    /// The tenant the statement runs for (code that binds its own tenant must keep working).
    OwnTenant,
    /// A tenant other than the one the statement runs for (a forgery).
    OtherTenant,
}

/// What the rewritten statement must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The same result and the same effect on the tenant's rows as the original on the isolated
    /// database; other tenants untouched.
    Same,
    /// As `Same`, or refused at rewrite time with an error naming the statement kind (allowed for
    /// MERGE by the specification).
    SameOrRefused(&'static str),
    /// Refused at rewrite time (or by `check_tenant`), or failing at run time with a
    /// "tenant mismatch" message; never executed successfully.
    TenantMismatch,
}

/// One statement of the corpus.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// The SQL, as application code would write it.
    pub sql: &'static str,
    /// Its own parameters, `$1..$n`.
    pub params: &'static [Param],
    /// The expectation.
    pub expect: Expect,
}

const fn same(sql: &'static str) -> Case {
    Case {
        sql,
        params: &[],
        expect: Expect::Same,
    }
}

const fn bound(sql: &'static str, params: &'static [Param]) -> Case {
    Case {
        sql,
        params,
        expect: Expect::Same,
    }
}

use Param::{Bool, Int, OtherTenant, OwnTenant, Text};

/// Every statement, reads first, then writes.
pub const CASES: &[Case] = &[
    // --- single table, WHERE with OR (the original WHERE must stay parenthesised)
    same("SELECT id, title, status FROM tasks ORDER BY id"),
    same("SELECT * FROM tasks WHERE priority >= 3 OR status = 'done'"),
    same("SELECT count(*) FROM comments"),
    same("SELECT id FROM tasks WHERE status = 'todo' OR assignee_id IS NULL AND priority > 1"),
    same("SELECT DISTINCT project_id, status FROM tasks"),
    same("SELECT id FROM tasks ORDER BY priority DESC, id LIMIT 3 OFFSET 1"),
    same("SELECT count(*) FILTER (WHERE status = 'done'), max(priority), min(estimate) FROM tasks"),
    same("SELECT project_id, string_agg(title, ', ' ORDER BY id) FROM tasks GROUP BY project_id"),
    same("SELECT project_id, avg(priority), sum(estimate) FROM tasks GROUP BY project_id"),
    // --- string literals sqlparser would print back differently: a quote after a backslash
    // (the literal must not end early and turn its tail into SQL) and a quote after a quote
    same(r"SELECT id FROM tasks WHERE id < 3 OR title = '\'') OR 1=1 --'"),
    same(r"SELECT id, 'a''''b' AS two_quotes, 'C:\dir' AS path FROM tasks WHERE status <> 'it''s'"),
    same(
        r"SELECT id FROM tasks WHERE id < 3 OR title = E'\'' OR title = 'x\''' OR title = U&'d\0061t\+000061'",
    ),
    // --- joins
    same("SELECT t.id, p.name FROM tasks t JOIN projects p ON p.id = t.project_id"),
    same(
        "SELECT t.id, p.name FROM tasks t, projects p WHERE p.id = t.project_id AND t.priority > 1",
    ),
    same(
        "SELECT t.id, c.id FROM tasks t, comments c WHERE c.task_id = t.id AND (t.priority > 2 OR c.author_id IS NULL)",
    ),
    same("SELECT t.id, u.name FROM tasks t LEFT JOIN users u ON u.id = t.assignee_id"),
    same("SELECT u.id, t.id FROM tasks t RIGHT JOIN users u ON u.id = t.assignee_id"),
    same("SELECT t.id, u.id FROM tasks t FULL JOIN users u ON u.id = t.assignee_id"),
    same(
        "SELECT p.id, u.id FROM projects p FULL OUTER JOIN users u ON u.id = p.owner_id AND NOT p.archived",
    ),
    same("SELECT p.id, g.id FROM projects p CROSS JOIN tags g"),
    same("SELECT c.id, p.title FROM tasks c JOIN tasks p ON p.id = c.parent_id"),
    same("SELECT c.id, p.title FROM tasks c LEFT JOIN tasks p ON p.id = c.parent_id"),
    same("SELECT u.name, m.name FROM users u LEFT JOIN users m ON m.id = u.manager_id"),
    same(
        "SELECT p.id, t.id FROM projects p LEFT JOIN tasks t ON t.project_id = p.id AND t.status = 'done'",
    ),
    same(
        "SELECT t.id, g.name FROM tasks t JOIN task_tags tt ON tt.task_id = t.id JOIN tags g ON g.id = tt.tag_id",
    ),
    same(
        "SELECT g.name, count(*) FROM task_tags tt JOIN tags g ON g.id = tt.tag_id GROUP BY g.name",
    ),
    same(
        "SELECT t.id, c.id, u.name FROM tasks t LEFT JOIN comments c ON c.task_id = t.id LEFT JOIN users u ON u.id = c.author_id",
    ),
    same(
        "SELECT t.id, p.id FROM tasks t JOIN projects p ON p.id = t.project_id AND p.owner_id IN (SELECT id FROM users WHERE active)",
    ),
    same("SELECT v.x, t.title FROM (VALUES (1), (2), (3)) AS v(x) JOIN tasks t ON t.id = v.x"),
    same("SELECT u.id, t.id FROM users u JOIN tasks t USING (id)"),
    same("SELECT id, title, name FROM tasks NATURAL JOIN (SELECT id, name FROM tags) g"),
    // --- LATERAL
    same(
        "SELECT p.id, x.id, x.title FROM projects p CROSS JOIN LATERAL (SELECT t.id, t.title FROM tasks t WHERE t.project_id = p.id ORDER BY t.id LIMIT 2) x",
    ),
    same(
        "SELECT u.id, x.n FROM users u LEFT JOIN LATERAL (SELECT count(*) AS n FROM tasks t WHERE t.assignee_id = u.id) x ON true",
    ),
    same(
        "SELECT p.id, x.max_priority FROM projects p, LATERAL (SELECT max(priority) AS max_priority FROM tasks t WHERE t.project_id = p.id) x",
    ),
    // --- reference table and the tenant table itself
    same("SELECT * FROM plans ORDER BY id"),
    same("SELECT * FROM accounts"),
    same("SELECT a.name, pl.name FROM accounts a LEFT JOIN plans pl ON pl.id = a.plan_id"),
    same("SELECT pl.name, a.name FROM plans pl LEFT JOIN accounts a ON a.plan_id = pl.id"),
    same(
        "SELECT pl.name, count(p.id) FROM plans pl LEFT JOIN accounts a ON a.plan_id = pl.id LEFT JOIN projects p ON p.tenant_id = a.id GROUP BY pl.name",
    ),
    same("SELECT name FROM plans UNION SELECT name FROM accounts"),
    // --- subqueries in every clause position
    same("SELECT id FROM tasks WHERE project_id IN (SELECT id FROM projects WHERE archived)"),
    same(
        "SELECT id FROM users WHERE id NOT IN (SELECT assignee_id FROM tasks WHERE assignee_id IS NOT NULL)",
    ),
    same(
        "SELECT p.id FROM projects p WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = p.id AND t.status = 'done')",
    ),
    same(
        "SELECT u.id FROM users u WHERE NOT EXISTS (SELECT 1 FROM comments c WHERE c.author_id = u.id)",
    ),
    same("SELECT id FROM tasks WHERE assignee_id = ANY (SELECT id FROM users WHERE active)"),
    same(
        "SELECT id FROM tasks WHERE priority > ALL (SELECT priority FROM tasks WHERE status = 'done')",
    ),
    same(
        "SELECT id FROM tasks WHERE assignee_id = ANY (ARRAY(SELECT id FROM users WHERE NOT active))",
    ),
    same(
        "SELECT p.id, ARRAY(SELECT t.id FROM tasks t WHERE t.project_id = p.id ORDER BY t.id) AS task_ids FROM projects p",
    ),
    same("SELECT t.id, (SELECT count(*) FROM comments c WHERE c.task_id = t.id) AS n FROM tasks t"),
    same(
        "SELECT (SELECT count(*) FROM tasks) AS tasks, (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM plans) AS plans",
    ),
    same(
        "SELECT project_id, count(*) FROM tasks GROUP BY project_id HAVING count(*) >= (SELECT count(*) FROM projects) - 1",
    ),
    same(
        "SELECT project_id FROM tasks GROUP BY project_id HAVING EXISTS (SELECT 1 FROM projects p WHERE p.id = tasks.project_id AND p.budget IS NOT NULL)",
    ),
    same("SELECT d.status, d.n FROM (SELECT status, count(*) AS n FROM tasks GROUP BY status) d"),
    same(
        "SELECT x.pname, x.cnt FROM (SELECT p.name AS pname, count(t.id) AS cnt FROM projects p LEFT JOIN tasks t ON t.project_id = p.id GROUP BY p.name) x",
    ),
    same(
        "SELECT y.id FROM (SELECT x.id FROM (SELECT id, priority FROM tasks WHERE priority > 0) x WHERE x.id > 2) y",
    ),
    same(
        "SELECT id, CASE WHEN EXISTS (SELECT 1 FROM comments c WHERE c.task_id = tasks.id) THEN 'discussed' ELSE 'quiet' END FROM tasks",
    ),
    same(
        "SELECT t.id FROM tasks t ORDER BY (SELECT count(*) FROM comments c WHERE c.task_id = t.id), t.id",
    ),
    same(
        "SELECT id FROM users WHERE id IN (SELECT assignee_id FROM tasks UNION SELECT author_id FROM comments)",
    ),
    same(
        "SELECT id, coalesce((SELECT name FROM users u WHERE u.id = t.assignee_id), 'nobody') FROM tasks t",
    ),
    // --- CTEs
    same(
        "WITH open AS (SELECT * FROM tasks WHERE status <> 'done') SELECT o.id, p.name FROM open o JOIN projects p ON p.id = o.project_id",
    ),
    same(
        "WITH projects AS (SELECT 1 AS id, 'shadow' AS name) SELECT t.id, p.name FROM tasks t JOIN projects p ON p.id = t.project_id",
    ),
    same("WITH tasks AS (SELECT id, title FROM tasks WHERE priority > 2) SELECT * FROM tasks"),
    same(
        "WITH c AS (SELECT task_id, count(*) AS n FROM comments GROUP BY task_id) SELECT a.task_id, b.n FROM c a JOIN c b ON a.task_id = b.task_id",
    ),
    same(
        "WITH a AS (SELECT id FROM tasks WHERE priority > 1), b AS (SELECT a.id FROM a JOIN comments c ON c.task_id = a.id) SELECT * FROM b",
    ),
    same(
        "WITH RECURSIVE tree AS (SELECT id, parent_id, 1 AS depth FROM tasks WHERE parent_id IS NULL UNION ALL SELECT t.id, t.parent_id, tree.depth + 1 FROM tasks t JOIN tree ON t.parent_id = tree.id) SELECT * FROM tree",
    ),
    same(
        "WITH RECURSIVE chain AS (SELECT id, manager_id, name FROM users WHERE id = 3 UNION SELECT u.id, u.manager_id, u.name FROM users u JOIN chain ON u.id = chain.manager_id) SELECT id, name FROM chain",
    ),
    // --- set operations
    same(
        "SELECT id, 'task' AS kind FROM tasks WHERE priority = 0 UNION SELECT id, 'comment' FROM comments WHERE author_id IS NULL",
    ),
    same("SELECT name FROM tags UNION ALL SELECT name FROM projects"),
    same("SELECT assignee_id FROM tasks INTERSECT SELECT author_id FROM comments"),
    same("SELECT id FROM users EXCEPT SELECT assignee_id FROM tasks"),
    same(
        "(SELECT id FROM tasks ORDER BY id LIMIT 2) UNION ALL (SELECT id FROM comments ORDER BY id DESC LIMIT 2)",
    ),
    // --- windows, DISTINCT ON, locking, TABLE, VALUES
    same(
        "SELECT id, project_id, row_number() OVER (PARTITION BY project_id ORDER BY id) FROM tasks",
    ),
    same("SELECT id, sum(priority) OVER (ORDER BY id) FROM tasks"),
    same(
        "SELECT id, rank() OVER w, lag(id) OVER w FROM tasks WINDOW w AS (ORDER BY priority DESC, id)",
    ),
    same(
        "SELECT DISTINCT ON (project_id) project_id, id, title FROM tasks ORDER BY project_id, priority DESC, id",
    ),
    same("SELECT id FROM tasks WHERE status = 'todo' FOR UPDATE"),
    same(
        "SELECT t.id FROM tasks t JOIN projects p ON p.id = t.project_id WHERE NOT p.archived FOR UPDATE OF t",
    ),
    same("SELECT id FROM tags FOR SHARE"),
    same("TABLE tags"),
    same("TABLE plans"),
    same("VALUES (1, 'a'), (2, 'b')"),
    same("SELECT 1 + 1"),
    // --- schema-qualified and quoted identifiers
    same("SELECT e.id, e.\"Kind\" FROM app.\"Events\" e"),
    same("SELECT id FROM public.tasks WHERE id < 4"),
    same("SELECT \"t\".\"id\", \"t\".\"title\" FROM \"tasks\" AS \"t\""),
    same(
        "SELECT e.\"Kind\", t.title FROM app.\"Events\" e LEFT JOIN public.tasks t ON t.id = e.task_id",
    ),
    // --- the statement's own parameters
    bound(
        "SELECT id FROM tasks WHERE priority > $1 AND status <> $2",
        &[Int(1), Text("done")],
    ),
    bound(
        "SELECT t.id FROM tasks t JOIN users u ON u.id = t.assignee_id WHERE u.id = $1",
        &[Int(2)],
    ),
    bound(
        "SELECT id FROM projects WHERE id IN (SELECT project_id FROM tasks WHERE priority = $1)",
        &[Int(2)],
    ),
    bound(
        "SELECT id FROM tasks WHERE priority = $1 OR id = $1",
        &[Int(3)],
    ),
    bound("SELECT id FROM users WHERE active = $1", &[Bool(false)]),
    bound(
        "SELECT id, title FROM tasks WHERE tenant_id = $1",
        &[OwnTenant],
    ),
    // --- INSERT
    same("INSERT INTO tags (id, name) VALUES (10, 'new'), (11, 'newer')"),
    same("INSERT INTO tags (id, name) VALUES (12, 'returned') RETURNING id, name, tenant_id"),
    same("INSERT INTO tags (id, name) SELECT id + 100, title FROM tasks WHERE priority > 2"),
    same(
        "INSERT INTO comments (id, task_id, author_id, body) SELECT c.id + 100, c.task_id, u.id, 'copy' FROM comments c JOIN users u ON u.id = c.author_id RETURNING id, author_id",
    ),
    same("INSERT INTO app.\"Events\" DEFAULT VALUES RETURNING *"),
    same(
        "INSERT INTO tasks (id, project_id, title, status) VALUES (50, 1, 'defaulted', DEFAULT) RETURNING *",
    ),
    same(
        "INSERT INTO tags (id, name) VALUES (1, 'dup'), (20, 'fresh') ON CONFLICT DO NOTHING RETURNING id",
    ),
    same(
        "INSERT INTO tags (id, name) VALUES (1, 'renamed') ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name RETURNING *",
    ),
    same(
        "INSERT INTO tags (id, name) VALUES (21, 'bug') ON CONFLICT (tenant_id, name) DO UPDATE SET name = tags.name || '!' RETURNING id, name",
    ),
    bound(
        "INSERT INTO comments (id, task_id, author_id, body) VALUES ($1, $2, NULL, $3) RETURNING id, body",
        &[Int(200), Int(2), Text("bound")],
    ),
    bound(
        "INSERT INTO tags (tenant_id, id, name) VALUES ($1, 30, 'mine')",
        &[OwnTenant],
    ),
    Case {
        sql: "INSERT INTO tags (tenant_id, id, name) VALUES ($1, 31, 'forged')",
        params: &[OtherTenant],
        expect: Expect::TenantMismatch,
    },
    // Code that binds its own tenant and upserts (the guarded row goes through INSERT ... SELECT).
    bound(
        "INSERT INTO tags (tenant_id, id, name) VALUES ($1, 1, $2) ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name RETURNING *",
        &[OwnTenant, Text("upserted")],
    ),
    Case {
        sql: "INSERT INTO tags (tenant_id, id, name) VALUES ($1, 1, 'forged') ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name",
        params: &[OtherTenant],
        expect: Expect::TenantMismatch,
    },
    // --- UPDATE
    same("UPDATE tasks SET status = 'done' WHERE priority > 2"),
    same(
        "UPDATE tasks SET priority = priority + 1 WHERE status = 'todo' OR assignee_id IS NULL RETURNING id, priority",
    ),
    same(
        "UPDATE tasks t SET title = t.title || ' @' || p.name FROM projects p WHERE p.id = t.project_id AND p.archived",
    ),
    same(
        "UPDATE projects p SET budget = (SELECT count(*) FROM tasks t WHERE t.project_id = p.id) RETURNING id, budget",
    ),
    same(
        "UPDATE users SET active = false WHERE id NOT IN (SELECT assignee_id FROM tasks WHERE assignee_id IS NOT NULL) RETURNING id",
    ),
    same("UPDATE accounts SET name = name || ' Inc' RETURNING id, name"),
    same("UPDATE tags SET name = upper(name)"),
    same(
        "UPDATE tasks t SET assignee_id = u.id FROM users u WHERE u.id = t.id AND NOT u.active RETURNING t.id, t.assignee_id",
    ),
    bound(
        "UPDATE tasks SET estimate = $1 WHERE id = $2 RETURNING id, estimate",
        &[Int(99), Int(3)],
    ),
    // --- DELETE
    same("DELETE FROM comments WHERE author_id IS NULL"),
    same("DELETE FROM task_tags tt USING tags g WHERE g.id = tt.tag_id AND g.name = 'bug'"),
    same("DELETE FROM tasks WHERE status = 'done' RETURNING id, title"),
    same(
        "DELETE FROM comments WHERE task_id IN (SELECT id FROM tasks WHERE priority = 0) RETURNING id",
    ),
    same(
        "DELETE FROM users u WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.assignee_id = u.id) AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.owner_id = u.id) RETURNING id",
    ),
    bound("DELETE FROM task_tags WHERE tag_id = $1", &[Int(2)]),
    // --- data-modifying CTEs
    same(
        "WITH moved AS (UPDATE tasks SET status = 'doing' WHERE status = 'todo' RETURNING id) SELECT count(*) FROM moved",
    ),
    same(
        "WITH d AS (DELETE FROM comments WHERE id > 3 RETURNING id, task_id) INSERT INTO app.\"Events\" (id, task_id) SELECT id + 100, task_id FROM d RETURNING id, task_id",
    ),
    same(
        "WITH ins AS (INSERT INTO tags (id, name) VALUES (40, 'cte') RETURNING id, name) SELECT * FROM ins",
    ),
    // --- MERGE (scoped both sides, or refused with a clear error)
    Case {
        sql: "MERGE INTO tags g USING (VALUES (1, 'merged'), (50, 'inserted')) AS s(id, name) ON g.id = s.id \
              WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)",
        params: &[],
        expect: Expect::SameOrRefused("MERGE"),
    },
    Case {
        sql: "MERGE INTO tags g USING tasks t ON g.id = t.id \
              WHEN MATCHED AND t.priority > 2 THEN DELETE WHEN NOT MATCHED THEN INSERT (id, name) VALUES (t.id, t.title)",
        params: &[],
        expect: Expect::SameOrRefused("MERGE"),
    },
];
