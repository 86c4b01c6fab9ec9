"""A customer's privacy export carries their loyalty state and every entry; erasing them
blanks the staff reasons (free text) and keeps the points and rules."""

from crm.tenancy.context import shop_scope
from customers.selectors.export import customer_export_data
from customers.services.privacy import customer_erase
from loyalty.models import LedgerEntry
from loyalty.services import points_adjust
from tests.loyalty.conftest import customer_of, paid_order


def test_the_export_has_the_loyalty_part_and_erasure_blanks_reasons(shop, program, owner):
    customer = customer_of(shop, paid_order(shop, "E1", "100.00"))
    with shop_scope(shop.pk):
        points_adjust(shop=shop, customer=customer, points=10, reason="王芳 called about her parcel", actor=owner)
        export = customer_export_data(shop=shop, customer=customer)
        assert export["loyalty"]["loyalty"]["points_pending"] == 100
        assert [entry["kind"] for entry in export["loyalty"]["entries"]] == ["adjust", "earn"]
        customer_erase(shop=shop, customer=customer)
        assert list(LedgerEntry.objects.order_by("id").values_list("points", "reason")) == [(100, ""), (10, "")]
