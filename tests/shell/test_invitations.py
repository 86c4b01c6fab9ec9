"""Staff join by invitation: a signed, expiring link by email that the person accepts.
The owner's answer does not reveal whether the email has an account anywhere."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import AuditEvent, Invitation, Membership, Role
from crm.tenancy.context import shop_scope
from tests import smtp
from tests.conftest import PASSWORD
from tests.smtp import body_of

smtp_inbox = smtp.smtp_inbox
LINK = re.compile(r"http://testserver(/invitations/[^/\s]+/)")


def invite(client, shop, email, role="agent"):
    return client.post(
        f"/api/v1/s/{shop.slug}/members/", {"email": email, "role": role}, content_type="application/json"
    )


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


def members(shop) -> set[str]:
    with shop_scope(shop.pk):
        return set(Membership.objects.values_list("user__email", flat=True))


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(
    owner_client, shop, other_shop, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        existing = invite(owner_client, shop, "owner@bike.example")  # the owner of another shop
        unknown = invite(owner_client, shop, "nobody@new.example")
    assert existing.status_code == unknown.status_code == 202
    assert existing.json().keys() == unknown.json().keys() == {"email", "role"}
    assert members(shop) == {"owner@tea.example"}  # nobody added without accepting
    assert sorted(message["To"] for message in smtp_inbox) == ["nobody@new.example", "owner@bike.example"]
    assert all(LINK.search(body_of(message)) for message in smtp_inbox)


def test_an_existing_account_accepts_after_signing_in(owner_client, shop, other_shop, smtp_inbox,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner_client, shop, "Owner@Bike.example", Role.MANAGER)
    link = LINK.search(body_of(smtp_inbox[0])).group(1)
    anonymous = Client()
    assert anonymous.get(link)["Location"] == f"{reverse('login')}?next={link}"
    invitee = Client()
    invitee.post(reverse("login"), {"username": "owner@bike.example", "password": PASSWORD})
    assert "Tea House" in invitee.get(link).content.decode()
    assert invitee.post(link)["Location"] == reverse("shop-home", kwargs={"shop_slug": shop.slug})
    with shop_scope(shop.pk):
        assert Membership.objects.get(user__email="owner@bike.example").role == Role.MANAGER
        assert AuditEvent.objects.filter(action="invitation.accept").exists()
    assert invitee.post(link).status_code == 404  # used


def test_a_new_person_creates_their_account_from_the_link(owner_client, shop, smtp_inbox,
                                                          django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner_client, shop, "new.agent@tea.example")
    link = LINK.search(body_of(smtp_inbox[0])).group(1)
    newcomer = Client()
    too_short = newcomer.post(link, {"full_name": "Li Lei", "password": "short"})
    assert too_short.status_code == 400 and too_short.context["form"].errors["password"]
    response = newcomer.post(link, {"full_name": "Li Lei", "password": "a long enough passphrase"})
    assert response["Location"] == reverse("shop-home", kwargs={"shop_slug": shop.slug})
    assert newcomer.get(reverse("shop-home", kwargs={"shop_slug": shop.slug})).status_code == 200
    assert "new.agent@tea.example" in members(shop)


def test_another_account_a_tampered_or_an_expired_link_cannot_join(
    owner_client, shop, manager, smtp_inbox, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner_client, shop, "someone@else.example", Role.OWNER)
    link = LINK.search(body_of(smtp_inbox[0])).group(1)
    wrong_person = Client()
    wrong_person.force_login(manager)
    assert wrong_person.post(link).status_code == 403
    assert (
        Client().post(link[:-3] + "xx/", {"full_name": "X", "password": "a long enough passphrase"}).status_code == 404
    )
    assert Client().get(link).status_code == 200
    monkeypatch.setattr("crm.shops.invitations.INVITATION_MAX_AGE", timedelta(seconds=-1))  # a week later
    assert Client().post(link, {"full_name": "X", "password": "a long enough passphrase"}).status_code == 404
    assert "someone@else.example" not in members(shop)


def test_inviting_needs_an_owner_of_that_shop(shop, other_shop, manager, owner_client):
    manager_client = Client()
    manager_client.force_login(manager)
    assert invite(manager_client, shop, "x@y.example").status_code == 403
    assert invite(owner_client, other_shop, "x@y.example").status_code == 404
    with shop_scope(other_shop.pk):
        assert not Invitation.objects.exists()
