"""No English on Chinese pages: every staff page, rendered in Simplified Chinese, shows no
text (text, placeholder, title or aria-label) that is an English string of the catalogue,
which is what a string without a translation, or English written into a template where
the catalogue has it translated, looks like."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from crm.models import User
from tests.e2e.workplace import OWNER_EMAIL, workplace_pages, workplace_shop_seed
from tests.i18n.catalogue import entries

pytestmark = pytest.mark.django_db
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
SKIPPED_ELEMENTS = ("script", "style", "pre", "code")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skipping = 0
        self._skipped: list[str] = []

    def handle_starttag(self, tag, attrs):
        # Code, and text marked as another language (the language switch says "English").
        if tag in SKIPPED_ELEMENTS or not dict(attrs).get("lang", "zh").startswith("zh"):
            self._skipped.append(tag)
            self._skipping += 1
        self.texts += [value.strip() for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if self._skipped and self._skipped[-1] == tag:
            self._skipped.pop()
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def english_strings() -> set[str]:
    """Catalogue strings a Chinese page must not show: those with letters whose Chinese
    text differs (names like ShopCRM or CNY stay as they are)."""
    english = set()
    for entry in entries():
        is_text = any(char.isalpha() for char in entry.msgid) and "%(" not in entry.msgid
        if is_text and (not entry.is_translated or entry.msgstrs[0] != entry.msgid):
            english.add(entry.msgid)
    return english


def test_no_chinese_page_shows_an_english_catalogue_string(client: Client):
    shop = workplace_shop_seed()
    client.force_login(User.objects.get(email=OWNER_EMAIL))
    english = english_strings()
    found = {}
    for name, path in workplace_pages(shop):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, name
        parser = VisibleText()
        parser.feed(response.content.decode())
        leaked = sorted({text for text in parser.texts if text in english})
        if leaked:
            found[name] = leaked
    assert not found
