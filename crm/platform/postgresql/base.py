"""Django's PostgreSQL backend with a cheaper per-request health check, and which knows
whether it talks to a Citus coordinator.

With CONN_HEALTH_CHECKS Django pings a persistent connection (`SELECT 1`) before the first
query of every request: one more round trip on each storefront list request, whose own
work is five. A connection that committed a moment ago was healthy then, so the ping is
skipped for RECENTLY_COMMITTED_SECONDS after a commit; a connection idle for longer (where
restarts, failovers and idle timeouts leave dead connections behind) is still pinged and
replaced. What is given up: a server restart within that second of a commit fails the next
request on that connection once (Django then closes it), as it fails the requests in flight.
"""

import time

from django.db.backends.postgresql import base

from crm.platform.postgresql.schema import DatabaseSchemaEditor

RECENTLY_COMMITTED_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    committed_at = float("-inf")
    # Whether the server is a Citus coordinator: the few fast paths it cannot run step aside
    # (crm/platform/postgresql/citus.py). Learnt once per connection.
    is_citus = False

    def init_connection_state(self):
        super().init_connection_state()
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
            self.is_citus = cursor.fetchone()[0]
        if not self.get_autocommit():
            self.connection.commit()

    def close_if_health_check_failed(self):
        if self.connection is not None and time.monotonic() - self.committed_at < RECENTLY_COMMITTED_SECONDS:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _commit(self):
        super()._commit()
        self.committed_at = time.monotonic()
