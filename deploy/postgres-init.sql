-- Runs once when the compose Postgres volume is created: the owner role (migrations),
-- the app role (web + workers; row-level security applies to it) and the search role
-- (owns only the customer search function; see docs/customers.md).
CREATE ROLE shopcrm_owner LOGIN PASSWORD 'change-me-owner' NOSUPERUSER NOBYPASSRLS;
CREATE ROLE shopcrm_app LOGIN PASSWORD 'change-me-app' NOSUPERUSER NOBYPASSRLS;
CREATE ROLE shopcrm_search NOLOGIN NOSUPERUSER BYPASSRLS;
GRANT shopcrm_search TO shopcrm_owner;
-- C.UTF-8: Unicode character classes, so pg_trgm indexes Chinese names.
CREATE DATABASE shopcrm OWNER shopcrm_owner ENCODING 'UTF8' LOCALE_PROVIDER libc LOCALE 'C.UTF-8' TEMPLATE template0;
\connect shopcrm
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT CREATE, USAGE ON SCHEMA public TO shopcrm_owner;
GRANT USAGE ON SCHEMA public TO shopcrm_app;
ALTER DEFAULT PRIVILEGES FOR ROLE shopcrm_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO shopcrm_app;
ALTER DEFAULT PRIVILEGES FOR ROLE shopcrm_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO shopcrm_app;
-- On a Citus coordinator (citus in shared_preload_libraries, docs/scaling.md): the extension,
-- and SET LOCAL (the shop scope) passed on to the workers.
SELECT current_setting('shared_preload_libraries') LIKE '%citus%' AS is_citus \gset
\if :is_citus
CREATE EXTENSION IF NOT EXISTS citus;
ALTER DATABASE shopcrm SET citus.propagate_set_commands = 'local';
\endif
