"""An agent's day in a real browser: open the queue, move to a ticket with the keyboard, reply,
resolve; then the customer answers the satisfaction survey through its link.

The ORM is used only while no browser runs (see test_staff_shell.py for why): the ticket is
opened before the first browser session, and the survey link is read between the agent's
session and the customer's."""

import pytest
from django.test import Client
from playwright.sync_api import expect, sync_playwright

from crm.models import Role
from crm.tenancy.context import shop_scope
from messaging.models import Message
from tests.conftest import make_shop, make_user
from tests.e2e.browser import VIEWPORT, chromium_launch
from tests.e2e.test_staff_shell import ARTIFACTS
from tests.tickets.conftest import open_ticket
from tickets.models import CsatSurvey, Ticket
from tickets.services import csat_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _browser_context(playwright, base_url: str, cookies: dict):
    browser = chromium_launch(playwright)
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    host = base_url.split("//")[1].split(":")[0]
    context.add_cookies(
        [{"name": name, "value": value, "domain": host, "path": "/"} for name, value in cookies.items()]
    )
    return browser, context


def test_agent_replies_and_resolves_then_the_customer_rates_the_service(live_server):
    shop = make_shop("e2e-service", "owner@e2e-service.example")
    agent = make_user("agent@e2e-service.example", Role.AGENT, shop)
    ticket = open_ticket(shop, customer={"phone": "13800138000", "name": "王芳", "email": "wf@example.com"},
                         subject="保温杯漏水", description="收到就漏水")  # fmt: skip
    client = Client()
    client.force_login(agent)
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser, context = _browser_context(playwright, live_server.url,
                                            {"sessionid": client.cookies["sessionid"].value})  # fmt: skip
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/s/{shop.slug}/tickets/?view=unassigned")
        expect(page.get_by_role("link", name="保温杯漏水")).to_be_visible()
        page.keyboard.press("j")
        expect(page.locator("tr.is-selected")).to_contain_text("保温杯漏水")
        page.keyboard.press("r")
        page.wait_for_url(f"**/tickets/{ticket.pk}/?focus=reply")
        expect(page.locator("#reply textarea")).to_be_focused()
        page.keyboard.type("您好，非常抱歉，我们给您换一只新的。")
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".message-success")).to_contain_text("Reply sent.")
        expect(page.locator("#conversation")).to_contain_text("我们给您换一只新的")
        page.keyboard.press("e")  # resolve from the ticket page
        expect(page.locator(".page-header")).to_contain_text("Resolved")
        page.screenshot(path=str(ARTIFACTS / "ticket-resolved.png"), full_page=True)
        assert errors == []
        context.close()
        browser.close()

    with shop_scope(shop.pk):
        resolved = Ticket.objects.get(pk=ticket.pk)
        assert resolved.status == "resolved" and resolved.first_replied_at is not None
        assert Message.objects.filter(rule="tickets.reply", customer=ticket.customer).exists()
        token = csat_token(CsatSurvey.objects.get(ticket=ticket))

    with sync_playwright() as playwright:
        browser, context = _browser_context(playwright, live_server.url, {"django_language": "zh-hans"})
        page = context.new_page()
        page.goto(f"{live_server.url}/survey/{token}/")
        expect(page.locator("h1")).to_have_text("您对我们的服务满意吗？")
        page.get_by_label("5").check()
        page.get_by_label("还有什么想说的？").fill("换货很快")
        page.get_by_role("button", name="发送").click()
        expect(page.locator("h1")).to_have_text("谢谢！")
        page.goto(f"{live_server.url}/survey/{token}/")  # the link works once
        expect(page.locator("main")).to_contain_text("此调查已经回答过了")
        page.screenshot(path=str(ARTIFACTS / "ticket-survey-answered.png"), full_page=True)
        context.close()
        browser.close()

    with shop_scope(shop.pk):
        survey = CsatSurvey.objects.get(ticket=ticket)
    assert (survey.status, survey.score, survey.comment) == ("answered", 5, "换货很快")
