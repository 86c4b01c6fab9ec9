"""The SMS segment counter the care editor includes, in a real browser, against the same
rule the server uses (messaging.templating.sms_segments)."""

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from messaging.templating import sms_segments
from tests.e2e.browser import chromium_launch

SCRIPT = Path(__file__).resolve().parents[2] / "messaging" / "static" / "messaging" / "sms_counter.js"
PAGE = """<textarea id="body" data-sms-counter="#out" data-sms-signature="茶馆"
data-sms-suffix=" 拒收请回复R"></textarea>
<output id="out" data-sms-template="%(chars)s 字 · %(parts)s 条"></output>"""

pytestmark = pytest.mark.e2e


# Around the boundaries: 70 characters in one SMS, 134 in two parts of 67 (the signature
# 【茶馆】 and the opt-out text take 11 of them).
LENGTHS = (0, 59, 60, 123, 124)


def test_counter_counts_signature_and_opt_out_like_the_server():
    shown = {}
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        page = browser.new_page()
        page.set_content(PAGE)
        page.add_script_tag(path=str(SCRIPT))
        page.evaluate("document.dispatchEvent(new Event('DOMContentLoaded'))")
        for length in LENGTHS:
            page.fill("#body", "好" * length)
            shown[length] = page.text_content("#out")
        browser.close()
    expected = {}
    for length in LENGTHS:
        full = f"【茶馆】{'好' * length} 拒收请回复R"
        expected[length] = f"{len(full)} 字 · {sms_segments(full)} 条"
    assert shown == expected
    assert [sms_segments(f"【茶馆】{'好' * length} 拒收请回复R") for length in LENGTHS] == [1, 1, 2, 2, 3]
