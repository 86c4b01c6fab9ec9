"""Settings said plainly: common timezones first, named in the page's language; the shop's
language says it is the language of customer messages. The erase confirmation is typed in
the page's language."""

from django.urls import reverse

from crm.tenancy.context import shop_scope
from customers.models import Customer
from tests.customers.factories import CustomerFactory


def test_timezones_offer_common_zones_first_in_chinese_and_no_deprecated_aliases(staff_client, shop):
    page = staff_client.get(reverse("shop-settings", kwargs={"shop_slug": shop.slug}), HTTP_ACCEPT_LANGUAGE="zh-hans")

    html = page.content.decode()
    choices = page.context["shop_form"].fields["timezone"].choices
    assert [value for value, _label in choices[0][1]][:2] == ["Asia/Shanghai", "Asia/Hong_Kong"]
    assert "中国（北京、上海） (UTC+08:00)" in html
    all_zones = [value for value, _label in choices[1][1]]
    assert "Europe/Madrid" in all_zones and "Asia/Chongqing" not in all_zones and "PRC" not in all_zones
    assert "发送给本店客户的邮件和短信所用的语言" in html


def test_a_shop_keeps_its_timezone_and_saves_a_common_one(staff_client, shop):
    url = reverse("shop-settings", kwargs={"shop_slug": shop.slug})
    response = staff_client.post(url, {"name": shop.name, "timezone": "Asia/Hong_Kong", "currency": "CNY",
                                       "phone_region": "CN", "language": "zh-hans"})  # fmt: skip

    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.timezone == "Asia/Hong_Kong"


def test_erase_is_confirmed_with_the_word_in_the_page_language(shop, staff_client):
    with shop_scope(shop.pk):
        customer = CustomerFactory(shop=shop, name="王芳")
    url = reverse("customers:erase", kwargs={"shop_slug": shop.slug, "customer_id": customer.pk})

    page = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "输入 删除 以确认" in page.content.decode()
    staff_client.post(url, {"confirm": "erase"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    with shop_scope(shop.pk):
        assert Customer.objects.get(pk=customer.pk).erased_at is None
    staff_client.post(url, {"confirm": "删除"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    with shop_scope(shop.pk):
        assert Customer.objects.get(pk=customer.pk).erased_at is not None
