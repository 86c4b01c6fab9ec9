"""Care tests use messaging's in-memory SMS backend."""

from tests.messaging.conftest import sms_outbox  # noqa: F401 (a fixture)
