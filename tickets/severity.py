"""Severity grading: a pure function of what the complaint says, where it was made, how often
the customer complained lately and what the customer is worth. No ORM, no clock.

Severity 1 is the most urgent, 4 the least. Each signal adds points; the grade keeps the
reasons that gave it, as "kind:value" strings (`severity_reason_label` shows them)."""

import re
from dataclasses import dataclass

# Cues of escalation: a threat to go public, to a regulator or to a lawyer, or an accusation
# of fraud. Matched as substrings, lower-cased (Chinese has no word breaks).
STRONG_CUES = (
    "12315", "律师", "媒体", "曝光", "骗", "假货", "报警", "消协", "起诉",
    "lawyer", "scam", "fake", "chargeback", "fraud", "police", "media",
)  # fmt: skip
# Cues of a complaint that is plainly unhappy but not yet escalating.
MILD_CUES = ("投诉", "差评", "退款", "退货", "complaint", "complain", "refund", "bad review", "1 star", "one star")
# A public marketplace review or social post is seen by other buyers.
PUBLIC_CHANNELS = frozenset({"marketplace", "social"})
# Segments (insights' keys) of the customers the shop can least afford to lose.
TOP_SEGMENTS = frozenset({"champions", "cannot_lose_them"})
VALUED_SEGMENTS = frozenset({"loyal", "at_risk"})
MAX_CUE_POINTS = 4


@dataclass(frozen=True)
class Grade:
    severity: int
    reasons: list[str]


def _cue_pattern(cue: str) -> re.Pattern:
    # An English cue starts a word ("media", not "immediately"); a Chinese one matches anywhere.
    return re.compile(rf"(?<![a-z]){re.escape(cue)}" if cue.isascii() else re.escape(cue))


CUE_PATTERNS = tuple(
    (cue, _cue_pattern(cue), weight) for cues, weight in ((STRONG_CUES, 2), (MILD_CUES, 1)) for cue in cues
)


def _cues(text: str) -> tuple[int, list[str]]:
    lowered = text.lower()
    points, reasons = 0, []
    for cue, pattern, weight in CUE_PATTERNS:
        # "complain" adds nothing once "complaint" counted
        if pattern.search(lowered) and not any(cue in found for found in reasons):
            points += weight
            reasons.append(f"cue:{cue}")
    return min(points, MAX_CUE_POINTS), reasons


def severity_grade(
    *, text: str, channel: str, recent_complaints: int = 0, segment: str = "", is_priority_member: bool = False
) -> Grade:
    """The severity of a new complaint. `recent_complaints` counts the customer's other
    tickets opened in the last 30 days; `segment` is the customer's RFM segment key in the
    shop's current scoring run ("" when not scored); `is_priority_member` says the customer's
    loyalty tier carries priority service."""
    points, reasons = 0, []
    if channel in PUBLIC_CHANNELS:
        points += 1
        reasons.append(f"channel:{channel}")
    cue_points, cue_reasons = _cues(text)
    points += cue_points
    reasons += cue_reasons
    if recent_complaints:
        points += 2 if recent_complaints >= 2 else 1
        reasons.append(f"repeat:{recent_complaints}")
    if segment in TOP_SEGMENTS:
        points += 3
        reasons.append(f"segment:{segment}")
    elif segment in VALUED_SEGMENTS:
        points += 1
        reasons.append(f"segment:{segment}")
    if is_priority_member:
        points += 1
        reasons.append("tier:priority")
    return Grade(severity=_severity_for(points), reasons=reasons)


def _severity_for(points: int) -> int:
    if points >= 5:
        return 1
    if points >= 2:
        return 2
    if points >= 1:
        return 3
    return 4
