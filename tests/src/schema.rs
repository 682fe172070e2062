//! The test schema: three tenants whose row ids collide, with different data in each.
//!
//! The same DDL builds two kinds of database. The *shared* database holds every tenant and is what
//! rewritten statements run on. An *isolated* database holds one tenant `T`; its tenant columns
//! default to `T` and are checked to equal `T`, so the original, unrewritten statement behaves
//! there exactly as a correctly scoped statement must behave on the shared database.

use tenancy_core::{Catalog, TenantId};
use tenancy_testing::Seed;

/// The tenants, in seed order.
pub const TENANTS: [i64; 3] = [1, 2, 3];

/// A tenant table: its (quoted where needed) name and tenant column.
#[derive(Clone, Copy, Debug)]
pub struct TenantTable {
    /// The name as written in SQL.
    pub sql_name: &'static str,
    /// The tenant column.
    pub tenant_column: &'static str,
}

/// Every tenant table, for snapshots.
pub const TENANT_TABLES: [TenantTable; 8] = [
    TenantTable {
        sql_name: "accounts",
        tenant_column: "id",
    },
    TenantTable {
        sql_name: "users",
        tenant_column: "tenant_id",
    },
    TenantTable {
        sql_name: "projects",
        tenant_column: "tenant_id",
    },
    TenantTable {
        sql_name: "tasks",
        tenant_column: "tenant_id",
    },
    TenantTable {
        sql_name: "comments",
        tenant_column: "tenant_id",
    },
    TenantTable {
        sql_name: "tags",
        tenant_column: "tenant_id",
    },
    TenantTable {
        sql_name: "task_tags",
        tenant_column: "tenant_id",
    },
    TenantTable {
        sql_name: "app.\"Events\"",
        tenant_column: "tenant_id",
    },
];

/// Reference tables, shared by all tenants.
pub const REFERENCE_TABLES: [&str; 1] = ["plans"];

/// The catalog describing the schema to the rewriter.
///
/// # Errors
/// Only if the catalog itself is invalid (a bug in this file).
pub fn catalog() -> tenancy_core::Result<Catalog> {
    Catalog::builder()
        .tenant_table_by("accounts", "id")
        .tenant_table("users")
        .tenant_table("projects")
        .tenant_table("tasks")
        .tenant_table("comments")
        .tenant_table("tags")
        .tenant_table("task_tags")
        .tenant_table("app.\"Events\"")
        .reference_table("plans")
        .build()
}

/// The DDL; `isolated_for` makes every tenant column `DEFAULT T CHECK (col = T)`.
#[must_use]
pub fn ddl(isolated_for: Option<i64>) -> String {
    let tc = |col: &str| match isolated_for {
        Some(t) => format!("bigint NOT NULL DEFAULT {t} CHECK ({col} = {t})"),
        None => "bigint NOT NULL".to_owned(),
    };
    let tenant = tc("tenant_id");
    let account_id = tc("id");
    format!(
        r#"
CREATE SCHEMA app;
CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL, max_projects int NOT NULL);
INSERT INTO plans VALUES (1, 'free', 1), (2, 'pro', 10), (3, 'enterprise', 100);
CREATE TABLE accounts (id {account_id} PRIMARY KEY, name text NOT NULL, plan_id int REFERENCES plans (id));
CREATE TABLE users (
    tenant_id {tenant} REFERENCES accounts (id), id int NOT NULL, name text NOT NULL,
    manager_id int, active boolean NOT NULL DEFAULT true,
    PRIMARY KEY (tenant_id, id));
CREATE TABLE projects (
    tenant_id {tenant} REFERENCES accounts (id), id int NOT NULL, name text NOT NULL,
    owner_id int, archived boolean NOT NULL DEFAULT false, budget int,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id));
CREATE TABLE tasks (
    tenant_id {tenant} REFERENCES accounts (id), id int NOT NULL, project_id int NOT NULL,
    parent_id int, title text NOT NULL, status text NOT NULL DEFAULT 'todo',
    priority int NOT NULL DEFAULT 0, assignee_id int, estimate int,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id));
CREATE TABLE comments (
    tenant_id {tenant} REFERENCES accounts (id), id int NOT NULL, task_id int NOT NULL,
    author_id int, body text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES tasks (tenant_id, id) ON DELETE CASCADE);
CREATE TABLE tags (
    tenant_id {tenant} REFERENCES accounts (id), id int NOT NULL, name text NOT NULL,
    PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, name));
CREATE TABLE task_tags (
    tenant_id {tenant}, task_id int NOT NULL, tag_id int NOT NULL,
    PRIMARY KEY (tenant_id, task_id, tag_id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES tasks (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, tag_id) REFERENCES tags (tenant_id, id) ON DELETE CASCADE);
CREATE TABLE app."Events" (
    tenant_id {tenant}, id int NOT NULL DEFAULT 0, "Kind" text NOT NULL DEFAULT 'created',
    task_id int, PRIMARY KEY (tenant_id, id));
"#
    )
}

/// Distributes the shared schema on Citus: every tenant table by its tenant column, colocated
/// with `accounts`; `plans` a reference table. Citus refuses a foreign key from a local table to
/// a distributed one, so the foreign keys are set aside while the tables are distributed (in
/// foreign-key order) and put back afterwards, exactly as they were. One connection per node
/// (`sequential`) because some of those keys point at a reference table.
pub const DISTRIBUTE: &str = r#"
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
CREATE TEMP TABLE set_aside AS
    SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def
    FROM pg_constraint
    WHERE contype = 'f' AND connamespace IN ('public'::regnamespace, 'app'::regnamespace);
DO $$ DECLARE r record; BEGIN
    FOR r IN SELECT * FROM set_aside LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
    END LOOP;
END $$;
SELECT create_reference_table('plans');
SELECT create_distributed_table('accounts', 'id');
SELECT create_distributed_table('users', 'tenant_id', colocate_with => 'accounts');
SELECT create_distributed_table('projects', 'tenant_id', colocate_with => 'accounts');
SELECT create_distributed_table('tasks', 'tenant_id', colocate_with => 'accounts');
SELECT create_distributed_table('comments', 'tenant_id', colocate_with => 'accounts');
SELECT create_distributed_table('tags', 'tenant_id', colocate_with => 'accounts');
SELECT create_distributed_table('task_tags', 'tenant_id', colocate_with => 'accounts');
SELECT create_distributed_table('app."Events"', 'tenant_id', colocate_with => 'accounts');
DO $$ DECLARE r record; BEGIN
    FOR r IN SELECT * FROM set_aside LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.tbl, r.conname, r.def);
    END LOOP;
END $$;
DROP TABLE set_aside;
"#;

/// The seed for the shared database (all tenants) or an isolated one (one tenant).
pub fn seed(isolated_for: Option<i64>) -> Seed {
    let seed = Seed::new(ddl(isolated_for));
    match isolated_for {
        Some(t) => seed.tenants([t]),
        None => seed.tenants(TENANTS),
    }
    .per_tenant(|tenant, _| match tenant {
        TenantId::Int(t) => tenant_rows(*t),
        other => format!("SELECT 'unexpected tenant {other}' / 0"),
    })
}

/// How many rows of each kind tenant `t` has (tenants differ, ids start at 1 in each).
#[derive(Clone, Copy, Debug)]
pub struct Counts {
    /// Users.
    pub users: i64,
    /// Projects.
    pub projects: i64,
    /// Tasks.
    pub tasks: i64,
    /// Comments.
    pub comments: i64,
}

/// The row counts of tenant `t`.
#[must_use]
pub fn counts(t: i64) -> Counts {
    let i = t - 1;
    Counts {
        users: 4 + i,
        projects: 3 + i / 2,
        tasks: 6 + 2 * i,
        comments: 5 + i,
    }
}

/// The rows of tenant `t`: the same ids as every other tenant, different contents.
#[must_use]
pub fn tenant_rows(t: i64) -> String {
    let i = t - 1;
    let c = counts(t);
    let name = ["Acme", "Globex", "Initech"][usize::try_from(i).unwrap_or(0) % 3];
    let null_or = |null: bool, v: i64| {
        if null {
            "NULL".to_owned()
        } else {
            v.to_string()
        }
    };
    let mut sql = vec![format!(
        "INSERT INTO accounts VALUES ({t}, '{name}', {})",
        ["1", "2", "NULL"][usize::try_from(i).unwrap_or(0) % 3]
    )];
    for id in 1..=c.users {
        let manager = null_or(id == 1, 1 + (id + i) % 2);
        let active = (id + i) % 3 != 0;
        sql.push(format!(
            "INSERT INTO users VALUES ({t}, {id}, '{name} user {id}', {manager}, {active})"
        ));
    }
    for id in 1..=c.projects {
        let pname = ["Apollo", "Zeus", "Hermes", "Athena", "Hera"]
            [usize::try_from((id + i) % 5).unwrap_or(0)];
        let owner = null_or((id + i) % 3 == 2, 1 + (id + i) % c.users);
        let budget = null_or(id == 2, 100 * id * (i + 1));
        sql.push(format!(
            "INSERT INTO projects VALUES ({t}, {id}, '{pname}', {owner}, {}, {budget})",
            (id + i) % 3 == 0
        ));
    }
    for id in 1..=c.tasks {
        let project = 1 + (id + i) % c.projects;
        let parent = null_or(id <= 3 || (id + i) % 2 == 1, id - 3);
        let status = ["todo", "doing", "done"][usize::try_from((id + i) % 3).unwrap_or(0)];
        let priority = (id * 7 + i * 3) % 5;
        let assignee = null_or((id + i) % 4 == 0, 1 + (id + i) % c.users);
        let estimate = null_or((id * (i + 1)) % 3 == 1, id * 2 + i);
        sql.push(format!(
            "INSERT INTO tasks VALUES ({t}, {id}, {project}, {parent}, '{name} task {id}', \
             '{status}', {priority}, {assignee}, {estimate})"
        ));
    }
    for id in 1..=c.comments {
        let task = 1 + (id * 3 + i) % c.tasks;
        let author = null_or((id + i) % 3 == 0, 1 + (id + i) % c.users);
        sql.push(format!(
            "INSERT INTO comments VALUES ({t}, {id}, {task}, {author}, 'comment {id} of {name}')"
        ));
    }
    for id in 1..=3 {
        let tag =
            ["bug", "feature", "urgent", "chore"][usize::try_from((id - 1 + i) % 4).unwrap_or(0)];
        sql.push(format!("INSERT INTO tags VALUES ({t}, {id}, '{tag}')"));
    }
    for task in 1..=c.tasks {
        sql.push(format!(
            "INSERT INTO task_tags VALUES ({t}, {task}, {})",
            1 + (task + i) % 3
        ));
        if task % 2 == 0 {
            sql.push(format!(
                "INSERT INTO task_tags VALUES ({t}, {task}, {})",
                1 + (task + i + 1) % 3
            ));
        }
    }
    for id in 1..=2 + i {
        let kind = ["created", "updated"][usize::try_from(id % 2).unwrap_or(0)];
        sql.push(format!(
            "INSERT INTO app.\"Events\" VALUES ({t}, {id}, '{kind}', {id})"
        ));
    }
    sql.join(";\n")
}
