"""Compensation may never depend on the customer changing a review (China's 2024 rules on
好评返现: rewards for good reviews). A compensation note that asks for one is refused; pure."""

import re

REVIEW_CONDITIONS = re.compile(
    r"(好评|改评|删评|删除差评|追评|五星|5星|review|rating|5[- ]?star|five[- ]?star)", re.IGNORECASE
)


def asks_for_review_change(text: str) -> bool:
    return bool(REVIEW_CONDITIONS.search(text or ""))
