"""Every staff page at 1280 x 800, in English and in Chinese, in a real browser: nothing
sticks out of its card or out of the window sideways (a table cut off inside a
half-width card counts: its last columns cannot be read), and every button and link of the
page lies within the window's width, so it can be clicked without scrolling sideways.

The ORM is used only before the browser starts (see test_staff_shell.py for why)."""

import pytest
from django.test import Client
from playwright.sync_api import sync_playwright

from crm.models import User
from tests.e2e.browser import VIEWPORT, chromium_launch
from tests.e2e.test_staff_shell import ARTIFACTS
from tests.e2e.workplace import OWNER_EMAIL, workplace_pages, workplace_shop_seed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Each problem as "what: where"; elements of 1 px or less (visually hidden labels) are skipped.
LAYOUT_PROBLEMS_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
    ' "' + (el.innerText || el.value || '').trim().slice(0, 40) + '"';
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + width);
  }
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.skip-link')) continue;  // off-screen until focused, by design
    if (box.right > width + 1 || box.left < -1) {
      problems.push('outside the window (' + Math.round(box.left) + '-' + Math.round(box.right) + '): ' + name(el));
      continue;
    }
    const card = el.parentElement && el.parentElement.closest('.card, .kpi');
    if (card) {
      const cardBox = card.getBoundingClientRect();
      if (box.right > cardBox.right + 1) {
        const overflow = Math.round(box.right) + ' > ' + Math.round(cardBox.right);
        problems.push('outside its card (' + overflow + '): ' + name(el));
      }
    }
  }
  return problems;
}
"""


@pytest.fixture
def signed_in(live_server):
    shop = workplace_shop_seed()
    client = Client()
    client.force_login(User.objects.get(email=OWNER_EMAIL))
    return live_server.url, client.cookies["sessionid"].value, workplace_pages(shop)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_fits_1280_by_800(signed_in, language):
    base_url, session, pages = signed_in
    ARTIFACTS.mkdir(exist_ok=True)
    found = {}
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        context = browser.new_context(viewport=VIEWPORT, locale="en-US")
        host = base_url.split("//")[1].split(":")[0]
        context.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"},
                             {"name": "django_language", "value": language, "domain": host, "path": "/"}])  # fmt: skip
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        for name, path in pages:
            response = page.goto(base_url + path)
            assert response.status == 200, name
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(ARTIFACTS / f"layout-{language}-{name}.png"), full_page=True)
            if problems := page.evaluate(LAYOUT_PROBLEMS_JS):
                found[name] = problems[:3] + [f"... {len(problems)} in all"]
        browser.close()
    assert not errors
    assert not found, "\n".join(f"{name}: {problem}" for name, problems in found.items() for problem in problems)
