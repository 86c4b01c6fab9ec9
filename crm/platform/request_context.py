"""Who is acting and under which request id; read by the audit log and the log formatter."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    api_key_id: int | None = None


request_id_var: ContextVar[str] = ContextVar("request_id", default="")
actor_var: ContextVar[Actor] = ContextVar("actor", default=Actor())  # noqa: B039 - Actor is frozen


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = actor_var.set(actor)
    try:
        yield actor
    finally:
        actor_var.reset(token)
