"""Fixtures for coupon tests: a live server that serves at most SERVER_THREADS requests at
once, as a production server's fixed pool of workers does; hundreds of clients released
together queue for it instead of each opening a database connection (PostgreSQL allows a
hundred in all)."""

import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread, _StaticFilesHandler

SERVER_THREADS = 16


class BoundedWSGIServer(ThreadedWSGIServer):
    request_queue_size = 1024  # clients beyond the pool wait in the listen backlog

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(SERVER_THREADS)

    def process_request(self, request, client_address):
        self._slots.acquire()
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class BoundedLiveServerThread(LiveServerThread):
    server_class = BoundedWSGIServer


@pytest.fixture
def bounded_live_server(transactional_db):
    server = BoundedLiveServerThread("127.0.0.1", _StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()
