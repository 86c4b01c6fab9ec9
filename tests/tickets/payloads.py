"""Ticket payloads for tests: the issue's contract shape and variations of it."""

import copy

COMPLAINT = {
    "customer": {"external_id": "U77", "name": "王芳", "phone": "13800138000"},
    "channel": "form",
    "category": "quality",
    "subject": "杯子漏水",
    "description": "收到的保温杯漏水",
}


def ticket_payload(**changes) -> dict:
    payload = copy.deepcopy(COMPLAINT)
    payload.update(changes)
    return payload
