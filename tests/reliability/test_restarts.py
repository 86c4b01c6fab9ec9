"""PostgreSQL and Redis restart under a steady stream of storefront writes to a live server:
requests meanwhile answer 503 with Retry-After (JSON, nothing written), never 500, every
write the server acknowledged is in the database afterwards, and the Celery worker that
lived through both restarts still runs the next task."""

import json
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import pytest

from tests.orders.payloads import order_payload
from tests.reliability.services import (
    LocalPostgres,
    LocalRedis,
    celery_worker,
    environment,
    free_port,
    gunicorn,
    manage,
)

WRITERS = 4
TRIES = 60


@dataclass
class WriteStream:
    """WRITERS threads, each posting new orders one after another, and retrying a 503 (or a
    refused connection) with the same Idempotency-Key until it is acknowledged."""

    port: int
    key: str
    acknowledged: dict[str, str] = field(default_factory=dict)  # external_id -> total
    statuses: Counter = field(default_factory=Counter)
    unanswered: list[str] = field(default_factory=list)
    bad_unavailable: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._writer, args=(index,)) for index in range(WRITERS)]
        for thread in threads:
            thread.start()
        return threads

    def acknowledged_count(self) -> int:
        with self.lock:
            return len(self.acknowledged)

    def _writer(self, index: int) -> None:
        number = 0
        while not self.stopping.is_set():
            number += 1
            external_id = f"R{index}-{number}"
            total = f"{number}.{index:02d}"
            payload = order_payload(external_id, subtotal=total, total=total,
                                    lines=[{"sku": "S", "name": "n", "quantity": 1, "unit_price": total}])  # fmt: skip
            if self._write(external_id, payload):
                with self.lock:
                    self.acknowledged[external_id] = total

    def _write(self, external_id: str, payload: dict) -> bool:
        body = json.dumps(payload).encode()
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json",
                   "Idempotency-Key": external_id}  # fmt: skip
        for _try in range(TRIES):
            request = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/v1/orders/", body, headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http to our server
                    self._count(response.status)
                    return True
            except urllib.error.HTTPError as error:
                self._count(error.code)
                if error.code != 503:
                    self.unanswered.append(f"{external_id}: {error.code} {error.read()[:300]!r}")
                    return False
                if error.headers.get("Retry-After") is None or json.load(error)["code"] != "service_unavailable":
                    self.bad_unavailable.append(external_id)
            except (urllib.error.URLError, ConnectionError):
                self._count("connection refused")
            time.sleep(0.25)  # shorter than Retry-After, to keep the test short
        self.unanswered.append(f"{external_id}: no answer after {TRIES} tries")
        return False

    def _count(self, status) -> None:
        with self.lock:
            self.statuses[status] += 1


def _wait_for_more(stream: WriteStream, count: int, timeout: float = 30) -> None:
    target, deadline = stream.acknowledged_count() + count, time.monotonic() + timeout
    while stream.acknowledged_count() < target:
        assert time.monotonic() < deadline, (stream.statuses, stream.unanswered[:3])
        time.sleep(0.05)


def _api(port: int, key: str, path: str, body: dict | None = None) -> dict:
    """One call as a client that follows the contract: a 503 is retried after its Retry-After
    (a pooled connection can still meet the restart once), anything else is final."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    for attempt in range(1, 4):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/{path}", data, headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http to our server
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code != 503 or attempt == 3:
                raise
            time.sleep(int(error.headers["Retry-After"]))


def _scoring_run_finishes(port: int, key: str, worker) -> str:
    """A scoring run asked for now reaches the worker and ends; returns its status."""
    run_id = _api(port, key, "insights/runs/", {})["id"]
    deadline = time.monotonic() + 60
    while (status := _api(port, key, f"insights/runs/{run_id}/")["status"]) in ("queued", "running"):
        assert time.monotonic() < deadline and worker.poll() is None, status
        time.sleep(0.3)
    return status


def _stored_orders(postgres: LocalPostgres) -> dict[str, str]:
    database = psycopg2.connect(f"host={postgres.socket_dir} user=postgres dbname=shopcrm")
    with database, database.cursor() as cursor:
        cursor.execute("SELECT external_id, total::text FROM orders_order")
        rows = dict(cursor.fetchall())
    database.close()
    return rows


@pytest.fixture
def folder():
    # Not tmp_path: the PostgreSQL server runs as a user of its own, which must reach it.
    path = Path(tempfile.mkdtemp(prefix="shopcrm-restarts-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.restarts
def test_restarts_of_postgresql_and_redis_answer_503_and_lose_no_acknowledged_write(folder):
    postgres, redis = LocalPostgres(folder), LocalRedis(folder)
    env = environment(postgres, redis)
    manage({**env, "DB_ROLE": "owner"}, "migrate", "--noinput", "-v", "0")
    manage(env, "create_shop", "steady", "--name", "Steady", "--owner-email", "o@steady.example",
           "--owner-password", "steady-owner-pass")  # fmt: skip
    key = manage(env, "create_api_key", "steady").strip().splitlines()[-1]
    port = free_port()
    server = gunicorn(env, port, folder / "gunicorn.log")
    worker = celery_worker(env, folder / "worker.log")  # lives through both restarts
    stream = WriteStream(port=port, key=key)
    threads = stream.start()
    try:
        _wait_for_more(stream, 20)
        postgres.stop()  # every connection dropped; new ones refused until it is back
        time.sleep(1.5)
        postgres.start()
        _wait_for_more(stream, 20)
        unavailable_during_postgres = stream.statuses[503]
        redis.stop()  # sessions, locks, throttles and queued tasks: all gone
        time.sleep(1.5)
        redis.start()
        _wait_for_more(stream, 20)
        stream.stopping.set()
        for thread in threads:
            thread.join(timeout=60)
        run_status = _scoring_run_finishes(port, key, worker)  # the worker reconnected to both
    finally:
        stream.stopping.set()
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=30)
    stored = _stored_orders(postgres)
    postgres.stop()
    redis.stop()

    assert stream.unanswered == [], stream.unanswered[:5]
    assert stream.statuses[500] == 0
    # the stream did meet both outages
    assert 0 < unavailable_during_postgres < stream.statuses[503], stream.statuses
    assert stream.bad_unavailable == []  # each 503 had Retry-After and the JSON error body
    assert {external_id: stored.get(external_id) for external_id in stream.acknowledged} == stream.acknowledged
    assert run_status == "succeeded"
