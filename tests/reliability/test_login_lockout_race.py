"""Parallel wrong passwords against a live server: the lockout counts each attempt before
its (slow) password check, so no more passwords are checked than the budget allows."""

import pytest
from django.conf import settings

from tests.concurrency import run_in_threads
from tests.conftest import make_user
from tests.reliability.counting_hasher import checked_passwords
from tests.reliability.http import form_post

PARALLEL_ATTEMPTS = 24


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_check_no_more_than_the_budget(live_server, settings_override_hasher):
    make_user("target@race.example")
    checked_passwords.clear()

    def attempt(index: int) -> str:
        response = form_post(
            live_server.url, "/login/", {"username": "target@race.example", "password": f"guess-{index}"}
        )
        assert response.status_code == 200
        return "locked" if "Too many failed sign-in attempts" in response.text else "wrong"

    outcomes = run_in_threads(attempt, PARALLEL_ATTEMPTS)

    assert len(checked_passwords) == settings.LOGIN_LOCKOUT_FAILURES
    assert outcomes.count("locked") >= PARALLEL_ATTEMPTS - settings.LOGIN_LOCKOUT_FAILURES
    # Locked now: even the right password is refused without being checked.
    response = form_post(
        live_server.url, "/login/", {"username": "target@race.example", "password": "correct horse battery staple"}
    )
    assert "Too many failed sign-in attempts" in response.text
    assert len(checked_passwords) == settings.LOGIN_LOCKOUT_FAILURES


@pytest.fixture
def settings_override_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.reliability.counting_hasher.CountingHasher"]
