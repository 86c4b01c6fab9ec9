"""`manage.py seed_demo` leaves a demo shop whose history the models can fit: its first
scoring run has BG/NBD and Gamma-Gamma fits and the dashboard shows CLV on first login."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from crm.management.commands.seed_demo import DEMO_SLUG, DEMO_STAFF
from crm.models import Role, Shop, User
from crm.tenancy.context import shop_scope
from insights.models import LifecycleStage, RunStatus, ScoringRun
from insights.selectors import current_run_get

pytestmark = pytest.mark.django_db


def test_seed_demo_scores_the_shop_with_fitted_models_once(client):
    call_command("seed_demo", stdout=StringIO())
    shop = Shop.objects.get(slug=DEMO_SLUG)
    with shop_scope(shop.pk):
        run = current_run_get(shop=shop)
        assert run is not None and run.status == RunStatus.SUCCEEDED, run and run.error
        assert (run.bgnbd_status, run.gamma_gamma_status) == ("ok", "ok"), (run.bgnbd_reason, run.gamma_gamma_reason)
        assert run.stats["kpis"]["average_clv"] > 0
        # Steady buyers, customers who stopped months ago and one-time buyers all show up.
        stages = run.stats["lifecycle"]
        assert all(stages.get(stage, 0) > 0 for stage in LifecycleStage.values), stages

    call_command("seed_demo", stdout=StringIO())
    with shop_scope(shop.pk):
        assert list(ScoringRun.objects.values_list("pk", flat=True)) == [run.pk]

    client.force_login(User.objects.get(email=DEMO_STAFF[Role.OWNER][0]))
    page = client.get(reverse("insights:dashboard", kwargs={"shop_slug": DEMO_SLUG})).content.decode()
    assert 'id="clv-chart"' in page and "No CLV yet" not in page
