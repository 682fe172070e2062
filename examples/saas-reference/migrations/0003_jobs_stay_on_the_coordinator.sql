-- The PostgreSQL job queue claims work across tenants with FOR UPDATE SKIP LOCKED, which Citus
-- does not run on a distributed table. On Citus the `jobs` table therefore stays a plain table
-- on the coordinator (db::distribute never distributes it), and a coordinator-local table cannot
-- reference a distributed one: its foreign key to organizations goes. A job whose organisation
-- is gone fails in the worker ("not in this tenant") and ends dead-lettered.
ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_tenant_id_fkey;
