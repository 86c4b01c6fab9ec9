"""Changing one's own password."""

from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def test_user_replaces_their_password_and_other_sessions_end(owner, shop):
    other_browser = Client()
    other_browser.force_login(owner)
    client = Client()
    client.force_login(owner)
    home = reverse("shop-home", kwargs={"shop_slug": shop.slug})
    assert reverse("password_change") in client.get(home).content.decode()

    new_password = "a much longer new passphrase"
    data = {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password}
    response = client.post(reverse("password_change"), data)
    assert response["Location"] == reverse("password_change_done")
    assert client.get(home).status_code == 200  # this session stays signed in
    assert other_browser.get(home).status_code == 302  # the other one is signed out
    signed_in = Client().post(reverse("login"), {"username": "owner@tea.example", "password": new_password})
    assert signed_in.status_code == 302


def test_wrong_old_password_is_refused(staff_client):
    data = {"old_password": "nope", "new_password1": "x" * 20, "new_password2": "x" * 20}
    response = staff_client.post(reverse("password_change"), data)
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors


def test_password_change_needs_sign_in(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
