"""Screenshots of the real pages for the README (docs/screenshots/*.png, 1280x800).

Not a test: run it against a server started by `make run` (demo data and logins):

    .venv/bin/python -m tests.e2e.docs_screenshots [--base-url http://127.0.0.1:8000]

Pages that are not there yet (an app without its page) are skipped with a note.
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.e2e.browser import VIEWPORT, chromium_launch

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "docs" / "screenshots"
OWNER = ("owner@demo.shopcrm.test", "demo-owner-pass")
SHOP = "/s/demo"


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Email").fill(OWNER[0])
    page.get_by_label("Password").fill(OWNER[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/s/[\w-]+/$"))


def capture(page: Page, base_url: str, name: str, path: str) -> None:
    response = page.goto(f"{base_url}{path}")
    if response is None or response.status != 200:
        print(f"skipped {name}: {path} answered {response.status if response else 'nothing'}")
        return
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUTPUT / f"{name}.png"))
    print(f"wrote docs/screenshots/{name}.png")


def first_link(page: Page, base_url: str, list_path: str, pattern: str) -> str | None:
    page.goto(f"{base_url}{list_path}")
    links = page.locator(f"main a[href*='{pattern}']")
    for index in range(links.count()):
        href = links.nth(index).get_attribute("href") or ""
        if re.search(rf"{re.escape(pattern)}\d+/$", href):
            return href
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    base_url = parser.parse_args().base_url.rstrip("/")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        page = browser.new_context(viewport=VIEWPORT).new_page()
        capture(page, base_url, "login", "/login/")
        sign_in(page, base_url)
        pages = [
            ("overview", f"{SHOP}/"),
            ("insights", f"{SHOP}/insights/"),
            ("customers", f"{SHOP}/customers/"),
            ("orders", f"{SHOP}/orders/"),
            ("tickets", f"{SHOP}/tickets/?view=team"),
            ("loyalty", f"{SHOP}/loyalty/"),
            ("care", f"{SHOP}/campaigns/care/"),
            ("messages", f"{SHOP}/messaging/"),
            ("settings", f"{SHOP}/settings/"),
        ]
        for name, path in pages:
            capture(page, base_url, name, path)
        customer = first_link(page, base_url, f"{SHOP}/customers/?ordering=-total_spent", f"{SHOP}/customers/")
        if customer:
            capture(page, base_url, "customer-360", customer)
        order = first_link(page, base_url, f"{SHOP}/orders/", f"{SHOP}/orders/")
        if order:
            capture(page, base_url, "order", order)
        ticket = first_link(page, base_url, f"{SHOP}/tickets/?view=team", f"{SHOP}/tickets/")
        if ticket:
            capture(page, base_url, "ticket", ticket)
        page.goto(f"{base_url}{SHOP}/campaigns/")
        churn_care = page.get_by_role("link", name=re.compile("流失关怀"))  # the demo's campaign with a holdout
        if churn_care.count():
            capture(page, base_url, "campaign", churn_care.first.get_attribute("href"))
        page.get_by_role("button", name="简体中文").click()
        capture(page, base_url, "overview-zh", f"{SHOP}/")
        browser.close()


if __name__ == "__main__":
    main()
