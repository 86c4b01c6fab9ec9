"""The managers' admin for insights: runs read-only and scoped, the segment map validated."""

import json

import pytest

from crm.tenancy.context import shop_scope
from insights.models import ScoringRun, SegmentMapConfig
from insights.services import scoring_run_request

pytestmark = pytest.mark.django_db


def test_runs_are_read_only_and_scoped_to_the_admin_shop(client, manager, shop, other_shop):
    with shop_scope(shop.pk):
        own = scoring_run_request(shop=shop, enqueue=False)
    with shop_scope(other_shop.pk):
        foreign = scoring_run_request(shop=other_shop, enqueue=False)
    client.force_login(manager)
    listing = client.get("/admin/insights/scoringrun/").content.decode()
    assert f"/admin/insights/scoringrun/{own.pk}/change/" in listing
    assert f"/admin/insights/scoringrun/{foreign.pk}/change/" not in listing
    assert client.get(f"/admin/insights/scoringrun/{foreign.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/insights/scoringrun/add/").status_code == 403
    with shop_scope(other_shop.pk):
        assert ScoringRun.objects.get().status == "queued"


def test_the_segment_map_is_validated_in_the_admin(client, manager, shop, other_shop):
    client.force_login(manager)
    broken = {"rules": json.dumps([{"key": "all", "name": "All", "r": [1, 4], "fm": [1, 5]}])}
    response = client.post("/admin/insights/segmentmapconfig/add/", broken)
    assert response.status_code == 200 and "no rule covers R=5" in response.content.decode()
    whole = {"rules": json.dumps([{"key": "all", "name": "All", "r": [1, 5], "fm": [1, 5]}])}
    assert client.post("/admin/insights/segmentmapconfig/add/", whole).status_code == 302
    with shop_scope(shop.pk):
        assert SegmentMapConfig.objects.get().rules[0]["key"] == "all"
    with shop_scope(other_shop.pk):
        assert not SegmentMapConfig.objects.exists()
