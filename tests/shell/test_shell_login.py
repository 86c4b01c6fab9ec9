"""Sign-in, sign-out and the (email, client IP) lockout."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from crm.shops import login_lockout

PASSWORD = "correct horse battery staple"
OFFICE_IP = "203.0.113.7"
HOME_IP = "198.51.100.20"


def sign_in(client, email, password, ip=OFFICE_IP):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def fail_until_locked(client, email, ip=OFFICE_IP):
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        response = sign_in(client, email, "wrong password", ip)
        assert response.status_code == 200
    return response


def test_login_lands_on_the_first_shop(client, owner, shop):
    response = sign_in(client, "owner@tea.example", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("shop-home", kwargs={"shop_slug": shop.slug})


def test_email_is_case_insensitive(client, owner):
    response = sign_in(client, "  Owner@Tea.EXAMPLE ", PASSWORD)
    assert response.status_code == 302


def test_wrong_password_is_refused_with_a_message(client, owner):
    response = sign_in(client, "owner@tea.example", "nope")
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"]
    assert "_auth_user_id" not in client.session


def test_lockout_after_failures_for_user_and_ip_only(client, owner, manager):
    response = fail_until_locked(client, "owner@tea.example")
    assert response.context["form"].has_error("__all__", code="locked")
    # While locked, even the right password from that network is refused without being checked.
    response = sign_in(client, "owner@tea.example", PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].has_error("__all__", code="locked")
    assert "Too many failed sign-in attempts" in response.content.decode()
    # The same account from another IP, and another account from the same IP, still sign in.
    assert sign_in(Client(), "owner@tea.example", PASSWORD, ip=HOME_IP).status_code == 302
    assert sign_in(Client(), "manager@tea.example", PASSWORD, ip=OFFICE_IP).status_code == 302


def test_lockout_counts_case_variants_of_the_email_together(client, owner):
    for variant in ["owner@tea.example", "OWNER@tea.example", "Owner@Tea.Example", "owner@TEA.example"]:
        sign_in(client, variant, "wrong")
    response = sign_in(client, "OWNER@TEA.EXAMPLE", "wrong")
    assert response.context["form"].has_error("__all__", code="locked")


def test_successful_login_clears_the_failure_count(client, owner):
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES - 1):
        sign_in(client, "owner@tea.example", "wrong")
    assert sign_in(client, "owner@tea.example", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES - 1):
        sign_in(client, "owner@tea.example", "wrong")
    assert sign_in(client, "owner@tea.example", PASSWORD).status_code == 302


def test_lockout_keys_hold_no_email_or_address():
    for key in (login_lockout._pair_key("owner@tea.example", OFFICE_IP), login_lockout._address_key(OFFICE_IP)):
        assert "owner" not in key and OFFICE_IP not in key
        assert key.startswith("login-lockout:")


def test_admin_login_counts_and_refuses_like_the_site_login(client, owner, shop):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        response = client.post(
            "/admin/login/", {"username": "owner@tea.example", "password": "wrong"}, REMOTE_ADDR=OFFICE_IP
        )
    assert "Too many failed sign-in attempts" in response.content.decode()
    # Locked through the admin: the site login refuses the right password, and vice versa.
    response = sign_in(Client(), "owner@tea.example", PASSWORD)
    assert response.context["form"].has_error("__all__", code="locked")
    response = Client().post(
        "/admin/login/", {"username": "owner@tea.example", "password": PASSWORD}, REMOTE_ADDR=OFFICE_IP
    )
    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_password_change_guesses_count_against_the_lockout(staff_client, owner):
    wrong = {"old_password": "nope", "new_password1": "x" * 20, "new_password2": "x" * 20}
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        response = staff_client.post(reverse("password_change"), wrong, REMOTE_ADDR=OFFICE_IP)
    assert response.context["form"].has_error("old_password", code="locked")
    right = {**wrong, "old_password": PASSWORD}
    response = staff_client.post(reverse("password_change"), right, REMOTE_ADDR=OFFICE_IP)
    assert response.context["form"].has_error("old_password", code="locked")
    assert sign_in(Client(), "owner@tea.example", PASSWORD).context["form"].has_error("__all__", code="locked")


def test_one_address_spraying_one_password_over_many_accounts_is_stopped(client, owner):
    for number in range(settings.LOGIN_ADDRESS_FAILURES):
        response = sign_in(client, f"person{number}@tea.example", "Summer2026!")
    assert response.context["form"].has_error("__all__", code="locked")
    # The address's budget is spent for every account, the right password included...
    assert sign_in(Client(), "owner@tea.example", PASSWORD).context["form"].has_error("__all__", code="locked")
    # ...while the same account from another network signs in.
    assert sign_in(Client(), "owner@tea.example", PASSWORD, ip=HOME_IP).status_code == 302


@pytest.mark.parametrize(
    ("num_proxies", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.1"),  # no proxy configured: a forged header is ignored
        (1, "1.1.1.1", "1.1.1.1"),
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # the client prepended a fake hop
        (2, "6.6.6.6, 1.1.1.1, 172.16.0.2", "1.1.1.1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(rf, settings, num_proxies, forwarded, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert login_lockout.client_ip(request) == expected


def test_logout_needs_post(staff_client):
    assert staff_client.get(reverse("logout")).status_code == 405
    response = staff_client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in staff_client.session


def test_login_form_is_csrf_protected(owner):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "owner@tea.example", "password": PASSWORD})
    assert response.status_code == 403


def test_anonymous_shop_pages_redirect_to_login(client, shop):
    for name in ["shop-home", "shop-settings"]:
        url = reverse(name, kwargs={"shop_slug": shop.slug})
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_signed_in_user_visiting_login_goes_home(staff_client):
    assert staff_client.get(reverse("login"))["Location"] == reverse("home")


def test_lockout_message_is_translated(client, owner, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = fail_until_locked(client, "owner@tea.example")
    assert "登录失败次数过多" in response.content.decode()
    assert f"{settings.LOGIN_LOCKOUT_SECONDS // 60} 分钟" in response.content.decode()


def test_signing_in_without_a_counted_attempt_does_not_raise_the_address_budget(client, owner):
    for _ in range(3):  # e.g. accepting an invitation signs the new account in directly
        Client().force_login(owner)
    for number in range(settings.LOGIN_ADDRESS_FAILURES):
        response = sign_in(client, f"person{number}@tea.example", "Summer2026!")
    assert response.context["form"].has_error("__all__", code="locked")
