"""manage.py score_shop SHOP_SLUG [--as-of YYYY-MM-DD] [--json]: one scoring run, synchronously.

Goes through the same one-run-per-shop rule as the dashboard and the nightly dispatcher.
With --json the last line of stdout is one JSON object describing the run."""

import json as jsonlib
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from crm.models import Shop
from crm.tenancy.context import shop_scope
from insights.models import RunStatus, RunTrigger, ScoringRun
from insights.services import RunAlreadyActive, scoring_run_process, scoring_run_request


def run_summary(run: ScoringRun) -> dict:
    bgnbd, gamma_gamma = run.bgnbd_params, run.gamma_gamma_params
    return {
        "run_id": run.pk,
        "status": run.status,
        "error": run.error,
        "as_of": run.as_of.isoformat(),
        "customers_scored": run.customers_scored,
        "segments": run.segment_counts,
        "rfm_cutpoints": run.rfm_cutpoints,
        "bgnbd": {
            "status": run.bgnbd_status,
            "reason": run.bgnbd_reason,
            **{name: bgnbd.get(name) for name in ("r", "alpha", "a", "b")},
            "time_unit": bgnbd.get("time_unit", "weeks"),
        },
        "gamma_gamma": {
            "status": run.gamma_gamma_status,
            "reason": run.gamma_gamma_reason,
            **{name: gamma_gamma.get(name) for name in ("p", "q", "v")},
        },
        "fit_quality": run.fit_quality,
        "timings": run.timings,
    }


class Command(BaseCommand):
    help = "Score one shop's customers now (RFM, segments, BG/NBD + Gamma-Gamma CLV, lifecycle)."

    def add_arguments(self, parser):
        parser.add_argument("shop_slug")
        parser.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: today, shop time)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON on the last line")

    def handle(self, *args, shop_slug: str, as_of: date | None, json: bool, **options):
        shop = Shop.objects.filter(slug=shop_slug).first()
        if shop is None:
            raise CommandError(f"no shop with slug {shop_slug!r}")
        with shop_scope(shop.pk):  # committed on its own: the run is visible as queued while it works
            try:
                run = scoring_run_request(shop=shop, as_of=as_of, trigger=RunTrigger.COMMAND, enqueue=False)
            except (RunAlreadyActive, ValueError) as error:
                raise CommandError(str(error)) from None
        self.stdout.write(f"Scoring {shop.slug} as of {run.as_of} (run #{run.pk})...")
        with shop_scope(shop.pk):
            run = scoring_run_process(shop=shop, run_id=run.pk) or run
        self._report(run, as_json=json)
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"run #{run.pk} {run.status}: {run.error}")

    def _report(self, run: ScoringRun, *, as_json: bool) -> None:
        if run.status == RunStatus.SUCCEEDED:
            seconds = sum(run.timings.values())
            self.stdout.write(f"Scored {run.customers_scored} customers in {seconds:.1f}s; BG/NBD {run.bgnbd_status}, "
                              f"Gamma-Gamma {run.gamma_gamma_status}.")  # fmt: skip
        if as_json:
            self.stdout.write(jsonlib.dumps(run_summary(run), ensure_ascii=False, default=str))
