import pytest

from customers.identity import (
    IdentityInvalid,
    customer_resolve,
    customers_resolve_bulk,
    email_normalize,
    phone_normalize,
)
from customers.models import Customer, CustomerChannelId
from tests.customers.factories import CustomerFactory


@pytest.mark.parametrize(
    "raw",
    ["13800138000", "+86 138 0013 8000", "138-0013-8000", "008613800138000", "8613800138000", " (138) 0013 8000 "],
)
def test_phone_normalize_chinese_mobile_formats_case(raw):
    assert phone_normalize(raw, "CN") == "+8613800138000"


@pytest.mark.parametrize("raw", ["", "12345", "hello", "14012345678"])
def test_phone_normalize_rejects_with_reason_case(raw):
    with pytest.raises(IdentityInvalid) as error:
        phone_normalize(raw, "CN")
    assert error.value.field == "phone"
    assert str(error.value)


def test_phone_normalize_fast_path_agrees_with_phonenumbers():
    assert phone_normalize("+1 650 253 0000", "CN") == "+16502530000"
    assert phone_normalize("19212345678", "CN") == phone_normalize("+86 192 1234 5678", "CN")


def test_email_normalize():
    assert email_normalize("  WF@Example.COM ") == "wf@example.com"
    with pytest.raises(IdentityInvalid):
        email_normalize("not-an-email")


def test_resolve_creates_then_matches_by_phone_formats(shop, in_shop):
    first = customer_resolve(shop=shop, channel="web", external_id="U1", phone="13800138000", name="王芳")
    second = customer_resolve(shop=shop, channel="app", external_id=None, phone="+86 138-0013-8000")
    assert first.pk == second.pk
    assert Customer.objects.count() == 1
    assert first.name == "王芳" and first.source_channel == "web"


def test_resolve_matches_email_case_and_space(shop, in_shop):
    first = customer_resolve(shop=shop, channel="web", email="WF@Example.com")
    second = customer_resolve(shop=shop, channel="web", email="  wf@example.COM ", name="王芳")
    assert first.pk == second.pk
    assert second.name == "王芳"


def test_resolve_channel_id_wins_over_phone(shop, in_shop):
    by_ext = customer_resolve(shop=shop, channel="web", external_id="U1", phone="13800138000")
    other = customer_resolve(shop=shop, channel="web", phone="13900139000")
    again = customer_resolve(shop=shop, channel="web", external_id="U1", phone="13900139000")
    assert again.pk == by_ext.pk != other.pk
    assert again.phone == "+8613800138000"  # never overwritten


def test_resolve_people_sharing_nothing_are_two(shop, in_shop):
    one = customer_resolve(shop=shop, channel="web", phone="13800138000", email="a@example.com", name="张三")
    two = customer_resolve(shop=shop, channel="web", phone="13900139000", email="b@example.com", name="张三")
    assert one.pk != two.pk


def test_resolve_fills_blanks_and_attaches_channel_id(shop, in_shop):
    customer = customer_resolve(shop=shop, channel="web", phone="13800138000")
    again = customer_resolve(
        shop=shop,
        channel="app",
        external_id="APP-9",
        phone="13800138000",
        email="x@example.com",
        name="李四",
        city="北京",
    )
    assert again.pk == customer.pk
    assert (again.email, again.name, again.city) == ("x@example.com", "李四", "北京")
    assert CustomerChannelId.objects.get(channel="app", external_id="APP-9").customer_id == customer.pk


def test_resolve_does_not_steal_a_phone_owned_by_someone_else(shop, in_shop):
    owner = CustomerFactory(shop=shop, phone="+8613800138000", email=None)
    by_email = customer_resolve(shop=shop, channel="web", email="z@example.com")
    again = customer_resolve(shop=shop, channel="web", email="z@example.com", phone="13800138000")
    # phone matches first: the phone's owner is returned, the email customer keeps no phone
    assert again.pk == owner.pk
    by_email.refresh_from_db()
    assert by_email.phone is None


def test_resolve_invalid_phone_raises(shop, in_shop):
    with pytest.raises(IdentityInvalid):
        customer_resolve(shop=shop, channel="web", phone="12")


def test_bulk_dedups_within_batch_and_keeps_order(shop, in_shop):
    existing = CustomerFactory(shop=shop, phone="+8613700137000", email=None)
    ids, _created = customers_resolve_bulk(
        shop=shop,
        identities=[
            {"channel": "web", "external_id": "N1", "phone": "+8613800138000", "name": "新人"},
            {"channel": "web", "external_id": "E1", "phone": "+8613700137000"},
            {"channel": "web", "phone": "+8613800138000", "email": "new@example.com"},
            {"channel": "web", "external_id": "N1"},
            {"channel": "app", "email": "new@example.com"},
            {"channel": "web", "email": "solo@example.com"},
        ],
    )
    assert ids[1] == existing.pk
    assert ids[0] == ids[2] == ids[3] == ids[4] != ids[5]
    new = Customer.objects.get(pk=ids[0])
    assert (new.phone, new.email, new.name) == ("+8613800138000", "new@example.com", "新人")
    assert Customer.objects.count() == 3


def test_bulk_later_item_matches_phone_filled_by_earlier_item(shop, in_shop):
    existing = CustomerFactory(shop=shop, phone=None, email=None)
    customer_resolve(shop=shop, channel="web", external_id="K1", name=existing.name)
    known = Customer.objects.get(channel_ids__external_id="K1")
    ids, _created = customers_resolve_bulk(
        shop=shop,
        identities=[
            {"channel": "web", "external_id": "K1", "phone": "+8613800138000"},
            {"channel": "app", "phone": "+8613800138000"},
        ],
    )
    assert ids == [known.pk, known.pk]
    known.refresh_from_db()
    assert known.phone == "+8613800138000"


def test_bulk_ignores_merged_customers_phone(shop, in_shop):
    survivor = CustomerFactory(shop=shop)
    merged = CustomerFactory(shop=shop, phone="+8613800138000")
    Customer.objects.filter(pk=merged.pk).update(merged_into=survivor)
    [customer_id], _created = customers_resolve_bulk(
        shop=shop, identities=[{"channel": "web", "phone": "+8613800138000"}]
    )
    assert customer_id not in (merged.pk, survivor.pk)


def test_resolve_is_shop_scoped(shop, other_shop, in_shop):
    from crm.tenancy.context import shop_scope

    mine = customer_resolve(shop=shop, channel="web", phone="13800138000", external_id="U1")
    with shop_scope(other_shop.pk):
        theirs = customer_resolve(shop=other_shop, channel="web", phone="13800138000", external_id="U1")
        assert Customer.objects.count() == 1
    assert mine.pk != theirs.pk
    assert Customer.objects.count() == 1
