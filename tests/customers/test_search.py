"""Customer search through the API and the staff list page: substrings of three characters
or more, prefixes below that, storefront ids exactly, never another shop's customers."""

import pytest
from django.urls import reverse

from crm.tenancy.context import shop_scope
from customers.selectors import search
from customers.services import customer_erase, customers_tag
from tests.customers.factories import CustomerFactory


def found(api, query: str, **params) -> list[int]:
    return [row["id"] for row in api.get("/api/v1/customers/", {"q": query, **params}).json()["results"]]


@pytest.fixture
def people(shop):
    with shop_scope(shop.pk):
        return {
            "wang": CustomerFactory(shop=shop, name="王芳芳", phone="+8613800138000", email="wf@example.com"),
            "li": CustomerFactory(shop=shop, name="李雷", phone="+8613900139000", email="ll@example.com"),
            "smith": CustomerFactory(shop=shop, name="John Smith", phone="+8615012345678", email="js@acme-corp.cn"),
        }


def test_substrings_of_phone_name_and_email(api, people):
    wang, smith = people["wang"].pk, people["smith"].pk
    assert found(api, "0013 8") == [wang]  # the middle digits of the phone
    assert found(api, "234567") == [smith]
    assert found(api, "smith") == [smith]  # a word inside the name, any case
    assert found(api, "OHN SM") == [smith]
    assert found(api, "me-corp") == [smith]  # inside the email
    assert found(api, "王芳芳") == [wang]
    assert found(api, "@example.com") == [people["li"].pk, wang]  # newest first
    assert found(api, "nobody") == []


def test_short_queries_match_the_start_of_name_given_name_or_email(api, shop, people):
    wang = people["wang"].pk
    api.post("/api/v1/customers/", {"phone": "13800138000", "channel": "app", "external_id": "A1"}, format="json")
    assert found(api, "王芳") == [wang]  # name prefix
    assert found(api, "芳芳") == [wang]  # the given name (after a one-character surname)
    assert found(api, "王") == [wang]
    assert found(api, "wf") == [wang]  # email prefix
    assert found(api, "A1") == [wang]  # a storefront id, exactly
    assert found(api, "雷") == [people["li"].pk]  # one character: a start too
    assert found(api, "S") == []  # not a substring: "John Smith" starts otherwise


def test_an_email_address_or_its_start_matches_the_start_of_the_email(api, people):
    wang = people["wang"].pk
    assert found(api, "WF@example.com") == [wang]
    assert found(api, "wf@exa") == [wang]
    assert found(api, "f@example.com") == []  # an address is not a fragment
    assert found(api, "@acme-corp") == [people["smith"].pk]  # a domain is


def test_phone_with_country_code_or_separators(api, people):
    wang = people["wang"].pk
    assert found(api, "+86 138") == [wang]
    assert found(api, "138-0013-8000") == [wang]
    assert found(api, "8000") == [wang]


def test_like_wildcards_in_the_query_are_literal(api, shop):
    with shop_scope(shop.pk):
        literal = CustomerFactory(shop=shop, name="100% Cotton_Shop")
        CustomerFactory(shop=shop, name="1000 CottonXShop")
        CustomerFactory(shop=shop, name="Back\\slash")
    assert found(api, "0% C") == [literal.pk]
    assert found(api, "n_S") == [literal.pk]
    assert found(api, "%%%") == []
    assert found(api, "___") == []
    assert found(api, "k\\s") != []


def test_another_shops_customers_are_never_found(api, other_api, people, other_shop):
    with shop_scope(other_shop.pk):
        twin = CustomerFactory(shop=other_shop, name="John Smith", phone="+8615012345679", email="js@acme-corp.cn")
    assert found(api, "smith") == [people["smith"].pk]
    assert found(other_api, "smith") == [twin.pk]
    assert found(other_api, "0013 8") == []
    assert found(other_api, "芳芳") == []
    assert found(other_api, "smith", page_size=1, ordering="-total_spent") == [twin.pk]


def test_erased_customers_are_not_found_by_their_old_name_phone_or_email(api, shop, people):
    with shop_scope(shop.pk):
        customer_erase(shop=shop, customer=people["smith"])
    for query in ("smith", "John", "15012345678", "2345", "acme"):
        assert found(api, query) == [], query


def test_pages_of_a_search_follow_the_id_order(api, shop):
    with shop_scope(shop.pk):
        matches = [CustomerFactory(shop=shop, name=f"Anna Keller {index}").pk for index in range(7)]
        CustomerFactory.create_batch(3, shop=shop, name="Bob")
    url, seen = "/api/v1/customers/?q=keller&page_size=3", []
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == sorted(matches, reverse=True)


@pytest.mark.parametrize("max_candidates", [search.MAX_CANDIDATES, 1])
def test_search_with_filters_or_another_order(api, shop, tag, monkeypatch, max_candidates):
    """Without a -id page the search is a set of ids, or, with more matches than
    MAX_CANDIDATES, a filter on the list's own scan: both give the same rows."""
    monkeypatch.setattr(search, "MAX_CANDIDATES", max_candidates)
    with shop_scope(shop.pk):
        tagged = CustomerFactory(shop=shop, name="Carla Meyer", phone="+8613700001234")
        untagged = CustomerFactory(shop=shop, name="Dora Meyer", phone="+8613700005678")
        customers_tag(shop=shop, tag=tag, customer_ids=[tagged.pk])
    assert found(api, "meyer", tag=tag.pk) == [tagged.pk]
    assert found(api, "37000", ordering="-total_spent") == [untagged.pk, tagged.pk]
    assert found(api, "meyer", ordering="-orders_count", page_size=1) == [untagged.pk]


def test_staff_list_page_and_export_find_substrings(staff_client, shop, people):
    page = staff_client.get(reverse("customers:list", kwargs={"shop_slug": shop.slug}), {"q": "mith"})
    assert [customer["id"] for customer in page.context["customers"]] == [people["smith"].pk]
    export = staff_client.get(reverse("customers:export-csv", kwargs={"shop_slug": shop.slug}), {"q": "00138"})
    body = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    assert "王芳芳" in body and "John Smith" not in body
