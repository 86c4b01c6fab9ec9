from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from crm.platform.jobs import JobKind, job_kind_register
        from insights.models import ScoringRun
        from insights.tasks import scoring_run_task

        job_kind_register(JobKind(model=ScoringRun, task=scoring_run_task))
        # What insights adds to customers (which never imports insights): the score filters
        # of the customer list, API and CSV export with their inputs on the list page, the
        # scores section of the 360 page and API, the scores in a privacy export (they are
        # profiling), how a merge combines scores, the demo shop's first scoring run; and a
        # failed run on the shop overview.
        from crm.platform.demo import demo_seeder_register
        from crm.platform.overview import attention_source_register
        from customers.registry import (
            CUSTOMER_FILTERS,
            FilterControls,
            OverviewSection,
            export_part_register,
            filter_controls_register,
            merge_handler_register,
            overview_section_register,
        )
        from insights.api.serializers import CustomerScoresSerializer
        from insights.demo import demo_scoring_seed
        from insights.filters import customer_filter_controls, customer_score_filters_register
        from insights.selectors import customer_scores_for_page, overview_failed_run
        from insights.services import customer_scores_merge

        customer_score_filters_register(CUSTOMER_FILTERS)
        filter_controls_register(
            "scores", FilterControls(read=customer_filter_controls, template="insights/_customer_filters.html")
        )
        attention_source_register(overview_failed_run)
        overview_section_register(
            OverviewSection(
                name="scores",
                read=customer_scores_for_page,
                template="insights/_customer_scores.html",
                to_json=lambda scores: CustomerScoresSerializer(scores).data,
            )
        )

        def scores_json(*, shop, customer):
            return CustomerScoresSerializer(customer_scores_for_page(shop=shop, customer=customer)).data

        export_part_register("scores", scores_json)
        merge_handler_register("insights.customerscore", customer_scores_merge)
        demo_seeder_register("insights", demo_scoring_seed)
