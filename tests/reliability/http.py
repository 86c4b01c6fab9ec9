"""Talking to pytest-django's live server the way a browser does (cookies, CSRF token)."""

import re

import requests

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def form_post(base_url: str, path: str, data: dict, session: requests.Session | None = None) -> requests.Response:
    """GET the form page for its CSRF token, then POST `data` to it."""
    session = session or requests.Session()
    page = session.get(f"{base_url}{path}", timeout=60)
    token = _CSRF_INPUT.search(page.text).group(1)
    return session.post(f"{base_url}{path}", data={**data, "csrfmiddlewaretoken": token}, timeout=120)
