"""The ticket states and the moves between them (pure; the service applies them)."""

from django.utils.translation import gettext as _

from tickets.models import TicketStatus

NEW, OPEN, WAITING, RESOLVED, CLOSED = (
    TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING, TicketStatus.RESOLVED, TicketStatus.CLOSED
)  # fmt: skip
# Moving out of resolved or closed back to open is a reopen.
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({OPEN, WAITING, RESOLVED, CLOSED}),
    OPEN: frozenset({WAITING, RESOLVED, CLOSED}),
    WAITING: frozenset({OPEN, RESOLVED, CLOSED}),
    RESOLVED: frozenset({OPEN, CLOSED}),
    CLOSED: frozenset({OPEN}),
}


class TicketStateError(Exception):
    """A move the workflow does not allow; the message says which moves are."""


def transition_check(current: str, target: str) -> None:
    if target not in TicketStatus.values:
        raise TicketStateError(
            _("Unknown status %(status)s: use one of %(choices)s.")
            % {"status": target, "choices": ", ".join(TicketStatus.values)}
        )
    allowed = TRANSITIONS[current]
    if target not in allowed:
        raise TicketStateError(
            _("A ticket that is %(current)s cannot become %(target)s; it can become: %(allowed)s.")
            % {
                "current": TicketStatus(current).label,
                "target": TicketStatus(target).label,
                "allowed": ", ".join(str(TicketStatus(status).label) for status in TicketStatus.values
                                     if status in allowed),
            }
        )  # fmt: skip


def is_reopen(current: str, target: str) -> bool:
    return current in (RESOLVED, CLOSED) and target == OPEN
