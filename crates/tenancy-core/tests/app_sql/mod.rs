//! Ordinary application SQL over a small SaaS schema: joins, aggregates, window functions, jsonb,
//! arrays, ranges, date math, full-text search, upserts. Every statement must pass the policy
//! pass and the rewriter; `rewrite_policy_postgres.rs` also runs each one on PostgreSQL, over
//! tables it creates to match.

/// The catalog the statements are written against.
pub(crate) const CATALOG: &str = r#"
default_tenant_column = "tenant_id"
[tables.accounts]
tenant_column = "id"
[tables.users]
[tables.projects]
[tables.tasks]
[tables.comments]
tenant_column = "org_id"
[tables.events]
[tables.plans]
reference = true
"#;

/// The statements; none binds parameters of its own, so `$1` is the tenant.
pub(crate) const STATEMENTS: &[&str] = &[
    "SELECT id, title, done FROM tasks WHERE project_id = 1 ORDER BY created_at DESC LIMIT 20",
    "SELECT count(*) FILTER (WHERE done) AS done, count(*) AS total FROM tasks",
    "SELECT p.id, p.name, count(t.id) AS open_tasks FROM projects p \
     LEFT JOIN tasks t ON t.project_id = p.id AND NOT t.done \
     GROUP BY p.id, p.name ORDER BY open_tasks DESC",
    "SELECT date_trunc('week', created_at) AS week, count(*) FROM tasks \
     WHERE created_at > now() - interval '90 days' GROUP BY 1 ORDER BY 1",
    "SELECT id, title, row_number() OVER (PARTITION BY project_id ORDER BY priority DESC, id) \
     AS rank_in_project FROM tasks",
    "SELECT id, lag(created_at) OVER w AS previous, lead(created_at) OVER w AS next, \
     first_value(title) OVER w AS first, last_value(title) OVER w AS last, nth_value(id, 2) OVER w \
     FROM tasks WINDOW w AS (PARTITION BY project_id ORDER BY created_at)",
    "SELECT ntile(4) OVER (ORDER BY priority), percent_rank() OVER (ORDER BY priority), \
     cume_dist() OVER (ORDER BY priority), rank() OVER (ORDER BY priority), \
     dense_rank() OVER (ORDER BY priority) FROM tasks",
    "SELECT project_id, string_agg(title, ', ' ORDER BY title) AS titles, \
     array_agg(id ORDER BY id) AS ids FROM tasks GROUP BY project_id",
    "SELECT jsonb_build_object('id', t.id, 'title', t.title, 'tags', to_jsonb(t.tags)) AS doc \
     FROM tasks t WHERE t.meta ? 'estimate'",
    "SELECT t.id, jsonb_agg(jsonb_build_object('id', c.id, 'body', c.body) ORDER BY c.created_at) \
     AS comments FROM tasks t LEFT JOIN comments c ON c.task_id = t.id GROUP BY t.id",
    "UPDATE tasks SET meta = jsonb_set(meta, '{estimate}', to_jsonb(3), true), updated_at = now() \
     WHERE id = 1",
    "SELECT id FROM tasks WHERE meta @> '{\"flag\": true}'::jsonb \
     AND (meta ->> 'estimate')::int > 2",
    "SELECT e.key, e.value FROM tasks t, jsonb_each(t.meta) AS e(key, value) WHERE t.id = 1",
    "SELECT jsonb_path_query_array(meta, '$.items[*].name'), \
     jsonb_array_length(coalesce(meta -> 'items', '[]'::jsonb)), row_to_json(t) FROM tasks t",
    "SELECT x.name, x.qty FROM tasks t, \
     jsonb_to_recordset(coalesce(t.meta -> 'items', '[]'::jsonb)) AS x(name text, qty int)",
    "SELECT t.id, tag FROM tasks t CROSS JOIN LATERAL unnest(t.tags) AS tag",
    "SELECT tag, count(*) FROM tasks, unnest(tags) AS tag GROUP BY tag ORDER BY count(*) DESC \
     LIMIT 10",
    "SELECT id FROM tasks WHERE 'urgent' = ANY (tags) AND cardinality(tags) > 1",
    "UPDATE tasks SET tags = array_remove(array_append(tags, 'triaged'), 'new') WHERE id = 1",
    "SELECT array_length(tags, 1), array_position(tags, 'urgent'), array_to_string(tags, ','), \
     generate_subscripts(tags, 1) FROM tasks",
    "SELECT d::date AS day, count(t.id) FROM generate_series(date_trunc('day', now()) - \
     interval '6 days', date_trunc('day', now()), interval '1 day') AS d \
     LEFT JOIN tasks t ON t.created_at::date = d::date GROUP BY d ORDER BY d",
    "SELECT id, age(now(), created_at) AS age, extract(epoch FROM now() - created_at) AS seconds \
     FROM tasks",
    "SELECT id FROM tasks WHERE due BETWEEN current_date AND current_date + 7",
    "SELECT make_date(2024, 1, 31) + make_interval(0, 1), date_part('dow', now()), \
     to_timestamp(0), justify_interval(interval '40 days')",
    "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM tasks \
     ORDER BY id LIMIT 5",
    "SELECT id, ts_rank(to_tsvector('english', title || ' ' || coalesce(body, '')), \
     websearch_to_tsquery('english', 'fix bug')) AS rank FROM tasks \
     WHERE to_tsvector('english', title || ' ' || coalesce(body, '')) @@ \
     plainto_tsquery('english', 'bug') ORDER BY rank DESC",
    "SELECT ts_headline('english', body, to_tsquery('english', 'bug & fix')) FROM tasks \
     WHERE body IS NOT NULL",
    "UPDATE tasks SET search = setweight(to_tsvector('english', title), 'A') || \
     setweight(to_tsvector('english', coalesce(body, '')), 'B') WHERE id = 1",
    "INSERT INTO tasks (title, project_id, tags, meta) VALUES ('Write docs', 1, \
     ARRAY['docs', 'new'], jsonb_build_object('estimate', 2)) RETURNING id, created_at",
    "INSERT INTO tasks (title, priority) VALUES ('Ship', 2) ON CONFLICT (tenant_id, title) \
     DO UPDATE SET priority = greatest(tasks.priority, EXCLUDED.priority), updated_at = now() \
     RETURNING id",
    "INSERT INTO events (kind, payload, ip) VALUES ('login', \
     jsonb_build_object('user', 1, 'at', now()), inet '10.0.0.1')",
    "SELECT host(ip), masklen(ip), network(set_masklen(ip, 24)) FROM events \
     WHERE ip << inet '10.0.0.0/8'",
    "SELECT kind, count(*), min(at), max(at) FROM events WHERE at >= date_trunc('month', now()) \
     GROUP BY kind HAVING count(*) > 0",
    "SELECT u.email, lower(u.name), initcap(split_part(u.email, '@', 1)), \
     md5(lower(u.email)) AS gravatar FROM users u ORDER BY u.created_at",
    "SELECT id FROM users WHERE email ILIKE '%@example.com' OR email ~* '^admin'",
    "SELECT regexp_replace(title, '\\s+', ' ', 'g'), left(title, 10), length(title), \
     position('x' IN title), substring(title FROM 1 FOR 3), trim(BOTH ' ' FROM title), \
     upper(title) FROM tasks",
    "SELECT format('%s (%s)', name, id), concat_ws(' - ', name, coalesce(budget::text, 'n/a')), \
     coalesce(nullif(trim(name), ''), 'unnamed') FROM projects",
    "SELECT id, name, lower(period), upper(period), isempty(period) FROM projects \
     WHERE period @> current_date AND NOT archived",
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY priority), \
     mode() WITHIN GROUP (ORDER BY priority), avg(priority)::numeric(10, 2), \
     stddev_pop(priority), sum(priority) FROM tasks",
    "SELECT bool_and(done), bool_or(done), every(priority > 0) FROM tasks WHERE project_id = 1",
    "WITH recent AS (SELECT id, title FROM tasks WHERE created_at > now() - interval '7 days') \
     SELECT r.id, r.title, count(c.id) FROM recent r LEFT JOIN comments c ON c.task_id = r.id \
     GROUP BY r.id, r.title",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) \
     SELECT i, i * 2 FROM n",
    "SELECT pl.name, pl.price, round(pl.price * 1.2, 2) AS gross FROM plans pl ORDER BY pl.price",
    "SELECT a.name, pl.name FROM accounts a JOIN plans pl \
     ON pl.id = (a.settings ->> 'plan_id')::int",
    "UPDATE accounts SET settings = settings || jsonb_build_object('theme', 'dark')",
    "DELETE FROM comments WHERE created_at < now() - interval '1 year' RETURNING id",
    "SELECT gen_random_uuid(), now(), current_user, version() IS NOT NULL, \
     current_setting('tenancy.tenant_id', true)",
    "SELECT t.id, t.title FROM tasks t WHERE EXISTS (SELECT 1 FROM comments c \
     WHERE c.task_id = t.id AND c.body ILIKE '%blocked%')",
    "SELECT id, CASE WHEN due < current_date THEN 'late' WHEN due = current_date THEN 'today' \
     ELSE 'later' END FROM tasks",
    "MERGE INTO tasks t USING projects p ON t.project_id = p.id AND p.archived \
     WHEN MATCHED THEN UPDATE SET updated_at = now()",
    "SELECT encode(sha256(convert_to(title, 'UTF8')), 'hex'), pg_typeof(priority), \
     greatest(priority, 1), least(priority, 10) FROM tasks",
    "SELECT id FROM tasks WHERE title SIMILAR TO '%(bug|fix)%' OR title LIKE 'x%'",
    "SELECT id FROM tasks WHERE id IN (SELECT task_id FROM comments GROUP BY task_id \
     HAVING count(*) > 2) FOR UPDATE SKIP LOCKED",
    "SELECT regexp_split_to_table('a,b', ','), string_to_array('a,b', ','), \
     regexp_matches('a1b2', '[0-9]', 'g')",
    "SELECT 'tasks'::regclass, id FROM tasks WHERE id = 1",
    "SELECT now() + make_interval(secs => 30), make_interval(days => 1)",
    "SET LOCAL statement_timeout = '5s'",
];
