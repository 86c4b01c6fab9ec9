"""What the logs keep: no query strings, no Referer, no request reprs (searches and
filters carry phone numbers and names)."""

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13900000697"


def test_django_request_warnings_log_the_path_without_query_string(staff_client, shop):
    console = next(handler for handler in logging.getLogger().handlers if handler.formatter is not None)
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        staff_client.get(f"/s/{shop.slug}/customers/999999/?q={PHONE}")  # a 404 warning
        staff_client.get(f"/api/v1/s/{shop.slug}/customers/?q={PHONE}&bogus=1")  # a 400 warning
    finally:
        console.setStream(previous)
    logged = stream.getvalue()
    assert f"/s/{shop.slug}/customers/999999/" in logged
    assert PHONE not in logged


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_access_log_has_no_query_string_or_referer(tmp_path):
    port, access_log = _free_port(), tmp_path / "access.log"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "crm.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--access-logfile", str(access_log)],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz?q={PHONE}", headers={"Referer": f"http://x.example/?q={PHONE}"}
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(request, timeout=5).read()  # noqa: S310 (our own server)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = access_log.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in logged
    assert PHONE not in logged
