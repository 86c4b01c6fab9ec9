"""Order payloads for tests: the exact JSON shape from issue 3, and variations of it."""

import copy

ISSUE_ORDER = {
    "external_id": "A1001",
    "channel": "web",
    "status": "paid",
    "placed_at": "2026-11-01T10:00:00+08:00",
    "currency": "CNY",
    "customer": {"external_id": "U77", "name": "王芳", "phone": "13800138000", "email": "wf@example.com"},
    "lines": [{"sku": "SKU-1", "name": "保温杯", "category": "家居", "quantity": 2, "unit_price": "49.00"}],
    "subtotal": "98.00",
    "discount": "0.00",
    "shipping": "0.00",
    "total": "98.00",
}


def order_payload(external_id: str = "A1001", **changes) -> dict:
    """The issue's order, with another id and any top-level changes."""
    payload = copy.deepcopy(ISSUE_ORDER)
    payload["external_id"] = external_id
    payload.update(changes)
    return payload


def order_for_customer(external_id: str, customer_external_id: str, phone: str, **changes) -> dict:
    customer = {"external_id": customer_external_id, "name": "李雷", "phone": phone}
    return order_payload(external_id, customer=customer, **changes)
