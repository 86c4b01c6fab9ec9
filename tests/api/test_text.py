"""crm.platform.text: what PostgreSQL text cannot hold, and why, for the input paths that check by hand."""

import pytest

from crm.platform.text import text_problem


@pytest.mark.parametrize("value", ["", "王芳", "a\tb\nc", "emoji 🍵", "ß"])
def test_storable_text_has_no_problem(value):
    assert text_problem(value) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [("a\x00", "Null characters are not allowed."), ("\ud800x", "Not valid Unicode text (it holds a lone surrogate).")],
)
def test_nul_and_lone_surrogates_are_refused_with_a_reason(value, reason):
    assert text_problem(value) == reason
