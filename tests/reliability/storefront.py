"""A storefront talking to a live server over real HTTP, for races between requests."""

import json
import urllib.error
import urllib.request

from crm.shops.services import api_key_create
from crm.tenancy.context import shop_scope


def storefront_key(shop) -> str:
    with shop_scope(shop.pk):
        return api_key_create(shop=shop, name="storefront")[1]


def storefront_call(base_url: str, key: str, method: str, path: str, body) -> tuple[int, dict]:
    """One JSON request with the key; (status, JSON body), errors included."""
    request = urllib.request.Request(  # noqa: S310 (the test's own live server)
        base_url + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (the test's own live server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
