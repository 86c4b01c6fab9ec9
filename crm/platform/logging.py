"""Structured JSON logs carrying the shop id and request id. Callers log ids and counts,
never personal data (names, phones, emails, addresses)."""

import json
import logging

from crm.platform.request_context import request_id_var
from crm.tenancy.context import current_shop_id

_STANDARD_ATTRIBUTES = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "shop_id", None) is None:
            record.shop_id = current_shop_id()
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class RequestPathFilter(logging.Filter):
    """Django attaches the request to its 4xx/5xx records; its repr carries the query
    string (searches by phone number). Keep the method and path only."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            record.request = f"{request.method} {request.path}"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        payload.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRIBUTES})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)
