"""Admin edits of staff and keys: read-only below owner, through the services above."""

from crm.models import ApiKey, AuditEvent, Membership, Role
from crm.shops.services import api_key_create
from crm.tenancy.context import shop_scope


def _membership(shop, email):
    with shop_scope(shop.pk):
        return Membership.objects.get(user__email=email)


def test_a_manager_cannot_promote_themselves_remove_the_owner_or_delete_keys(client, shop, manager):
    with shop_scope(shop.pk):
        api_key, _ = api_key_create(shop=shop, name="till")
    own, owners = _membership(shop, "manager@tea.example"), _membership(shop, "owner@tea.example")
    client.force_login(manager)

    client.post(f"/admin/crm/membership/{own.pk}/change/", {"role": Role.OWNER})
    client.post(f"/admin/crm/membership/{owners.pk}/delete/", {"post": "yes"})
    client.post(f"/admin/crm/apikey/{api_key.pk}/delete/", {"post": "yes"})
    client.post("/admin/crm/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]})
    client.post("/admin/crm/apikey/", {"action": "delete_selected", "_selected_action": [api_key.pk], "post": "yes"})

    assert _membership(shop, "manager@tea.example").role == Role.MANAGER
    assert _membership(shop, "owner@tea.example").role == Role.OWNER
    with shop_scope(shop.pk):
        assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None
    assert client.get(f"/admin/crm/membership/{own.pk}/change/").content.decode().count('name="role"') == 0


def test_an_owners_admin_edits_go_through_the_services_and_are_audited(client, shop, owner, manager):
    with shop_scope(shop.pk):
        api_key, _ = api_key_create(shop=shop, name="till")
    staff, owners = _membership(shop, "manager@tea.example"), _membership(shop, "owner@tea.example")
    client.force_login(owner)

    client.post(f"/admin/crm/membership/{staff.pk}/change/", {"role": Role.AGENT})
    client.post("/admin/crm/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]})
    # The last owner can be neither demoted nor removed.
    demote = client.post(f"/admin/crm/membership/{owners.pk}/change/", {"role": Role.MANAGER})
    assert "at least one owner" in demote.content.decode()
    assert client.post(f"/admin/crm/membership/{owners.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/crm/membership/{staff.pk}/delete/", {"post": "yes"})

    assert _membership(shop, "owner@tea.example").role == Role.OWNER
    with shop_scope(shop.pk):
        assert not Membership.objects.filter(user__email="manager@tea.example").exists()
        assert ApiKey.objects.get(pk=api_key.pk).revoked_at is not None
        actions = set(AuditEvent.objects.filter(actor_user=owner).values_list("action", flat=True))
    assert {"membership.role_change", "membership.remove", "api_key.revoke"} <= actions
