"""Care rules in a real browser: a manager, in Chinese, turns the birthday rule on and
previews a real customer's birthday message (see test_staff_shell.py for why the ORM is
touched only before the browser starts)."""

import pytest
from playwright.sync_api import sync_playwright

from crm.tenancy.context import shop_scope
from tests.conftest import PASSWORD, make_shop
from tests.customers.factories import CustomerFactory
from tests.e2e.browser import VIEWPORT, chromium_launch
from tests.e2e.test_staff_shell import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def care_shop(live_server):
    shop = make_shop("e2e-care", "owner@e2e-care.example")
    with shop_scope(shop.pk):
        CustomerFactory(shop=shop, name="王芳", phone="+8613800138000")
    return shop


def test_turn_on_the_birthday_rule_and_preview_a_message_in_chinese(live_server, care_shop):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        context = browser.new_context(viewport=VIEWPORT, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            page.goto(f"{live_server.url}/login/")
            page.get_by_label("Email").fill("owner@e2e-care.example")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/s/e2e-care/")
            page.get_by_role("button", name="中文").click()
            page.get_by_role("navigation").get_by_role("link", name="关怀消息").click()

            birthday = page.locator("#rule-birthday")
            birthday.get_by_role("button", name="开启").click()
            page.get_by_text("生日 已开启。").wait_for()
            birthday.get_by_role("button", name="关闭").wait_for()
            page.screenshot(path=str(ARTIFACTS / "care-01-rules-zh.png"))

            birthday.get_by_role("link", name="编辑").click()
            page.get_by_label("客户").fill("王芳")
            page.get_by_role("button", name="预览").click()
            preview = page.get_by_test_id("care-preview")
            preview.wait_for()
            assert "【E2E Care】亲爱的王芳，E2E Care祝您生日快乐！ 拒收请回复R" in preview.inner_text()
            assert "1 条短信" in preview.inner_text()
            page.screenshot(path=str(ARTIFACTS / "care-02-preview-zh.png"), full_page=True)
        finally:
            context.close()
            browser.close()
