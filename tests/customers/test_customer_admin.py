from crm.tenancy.context import shop_scope
from customers.models import Customer, Tag


def change_form(**changes) -> dict:
    """The admin's customer change form as a browser posts it (empty inlines)."""
    inlines = {f"{prefix}-{key}": value for prefix in ("channel_ids", "customer_tags", "notes")
               for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))}  # fmt: skip
    profile = {"name": "王芳芳", "phone": "+8613800138000", "email": "wf@example.com", "gender": "female",
               "birthday": "", "province": "浙江", "city": "杭州", "district": "", "source_channel": "web"}  # fmt: skip
    return {**profile, **inlines, **changes}


def test_manager_admin_scopes_and_edits_through_services(
    client, manager, shop, customer, other_customer, tag, other_tag
):
    client.force_login(manager)
    listing = client.get("/admin/customers/customer/").content.decode()
    assert "王芳" in listing and "李雷" not in listing
    assert f"Times in {shop.timezone}." in listing  # the admin shows and labels the shop's time
    assert client.get(f"/admin/customers/customer/{other_customer.pk}/change/").status_code in (302, 404)
    tags = client.get("/admin/customers/tag/").content.decode()
    assert "VIP" in tags and "Other VIP" not in tags
    for page in ("customernote", "consentevent", "customermerge", "customerattributedefinition"):
        assert client.get(f"/admin/customers/{page}/").status_code == 200, page
    form = client.get(f"/admin/customers/customer/{customer.pk}/change/")
    assert form.status_code == 200
    response = client.post(f"/admin/customers/customer/{customer.pk}/change/", change_form())
    assert response.status_code == 302
    with shop_scope(shop.pk):
        customer.refresh_from_db()
        assert (customer.name, customer.gender) == ("王芳芳", "female")
    client.post(f"/admin/customers/tag/{tag.pk}/change/", {"name": "VVIP", "color": "#111111"})
    with shop_scope(shop.pk):
        assert Tag.objects.get(pk=tag.pk).name == "VVIP"
        assert Customer.objects.count() == 1


def test_admin_edit_shows_a_refused_phone_on_its_field_and_saves_nothing(client, manager, shop, customer):
    client.force_login(manager)
    response = client.post(f"/admin/customers/customer/{customer.pk}/change/", change_form(phone="12"))

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "Not a valid phone number for region CN." in html
        and "{&#x27;phone&#x27;" not in html
        and "changed successfully" not in html
    )
    with shop_scope(shop.pk):
        customer.refresh_from_db()
        assert (customer.name, customer.phone) == ("王芳", "+8613800138000")
