"""SMS providers behind one interface, chosen by settings.SMS_BACKEND (a dotted path, like
Django's EMAIL_BACKEND): the console for development, an in-memory outbox for tests, and
Aliyun SMS (messaging/channels/aliyun.py) in production."""

import sys
import threading
import uuid

from django.conf import settings
from django.utils.module_loading import import_string

from messaging.channels import Outgoing


def sms_send(outgoing: Outgoing) -> str:
    backend = import_string(settings.SMS_BACKEND)
    return backend().send(outgoing)


class ConsoleSmsBackend:
    """Prints each SMS, as Django's console email backend prints mail (development only)."""

    def send(self, outgoing: Outgoing) -> str:
        sys.stdout.write(f"SMS to {outgoing.to}: {outgoing.text}\n")
        sys.stdout.flush()
        return f"console-{uuid.uuid4().hex}"


sms_outbox: list[Outgoing] = []
_outbox_lock = threading.Lock()


class LocmemSmsBackend:
    """Keeps each SMS in `sms_outbox` (tests)."""

    def send(self, outgoing: Outgoing) -> str:
        with _outbox_lock:
            sms_outbox.append(outgoing)
        return f"locmem-{len(sms_outbox)}"
