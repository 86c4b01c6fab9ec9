"""The staff shell in a real browser: Debian's Chromium driven by Playwright (PyPI) against
pytest-django's live server.

Playwright's sync API runs an asyncio loop in this thread while it is open, and Django
refuses ORM calls from a thread with a running loop ("You cannot call this from an async
context"). So the test touches the ORM only before the browser starts and after it stops,
and checks the API key over HTTP; no DJANGO_ALLOW_ASYNC_UNSAFE needed. The live server
commits its data (transactional), so pytest-django empties the tables afterwards.
Screenshots go to tests/e2e/artifacts/ (ignored by git).
"""

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import PASSWORD, make_shop
from tests.e2e.browser import VIEWPORT, chromium_launch

ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def api_status(base_url: str, raw_key: str) -> tuple[int, dict]:
    # Our own live server over http: the scheme is fixed here, not user input.
    request = urllib.request.Request(f"{base_url}/api/v1/shop/", headers={"Authorization": f"Bearer {raw_key}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def e2e_shop(live_server):
    # Committed before the browser starts: no ORM while Playwright's loop runs.
    return make_shop("e2e-tea", "owner@e2e-tea.example")


@pytest.fixture
def browser_page(e2e_shop):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        context = browser.new_context(viewport=VIEWPORT, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            shot(page, "99-last-page")  # what the browser showed when the test ended or failed
            context.close()
            browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login/")
    shot(page, "01-login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/s/e2e-tea/")


def create_api_key(page, name: str) -> str:
    page.get_by_label("密钥名称").fill(name)
    page.get_by_role("button", name="创建密钥").click()
    page.get_by_role("heading", name="API 密钥已创建").wait_for()
    shot(page, "04-api-key-created")
    return page.locator("#raw-key").input_value()


def test_owner_signs_in_switches_to_chinese_and_manages_an_api_key(live_server, browser_page):
    page, base_url = browser_page, live_server.url

    sign_in(page, base_url, "owner@e2e-tea.example")
    page.get_by_role("heading", name="What needs doing").wait_for()
    shot(page, "02-overview-en")

    page.get_by_role("button", name="中文").click()
    page.get_by_role("heading", name="需要处理的事项").wait_for()
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    page.get_by_role("navigation").get_by_role("link", name="设置").click()
    page.get_by_role("heading", name="API 密钥", exact=True).wait_for()
    shot(page, "03-settings-zh")

    raw_key = create_api_key(page, "小程序前台")
    assert raw_key.startswith("sk_") and len(raw_key) > 40
    status, body = api_status(base_url, raw_key)
    assert (status, body["slug"]) == (200, "e2e-tea")

    page.get_by_role("link", name="我已保存密钥").click()
    row = page.locator('tr[data-api-key="小程序前台"]')
    row.wait_for()
    assert raw_key not in page.content()  # shown once: the settings page never repeats it
    row.get_by_role("link", name="吊销").click()
    page.get_by_role("button", name="吊销密钥").click()
    row.get_by_text("已吊销").wait_for()
    shot(page, "05-api-key-revoked")
    assert api_status(base_url, raw_key)[0] == 401

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the navigation moves to the top
    page.goto(f"{base_url}/s/e2e-tea/")
    page.get_by_role("navigation").get_by_role("link", name="设置").wait_for()
    shot(page, "06-overview-phone")
