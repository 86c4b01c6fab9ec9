from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from crm.jobs import JobKind, job_kind_register
        from insights.models import ScoringRun
        from insights.tasks import scoring_run_task

        job_kind_register(JobKind(model=ScoringRun, task=scoring_run_task))
        # What insights adds to customers (which never imports insights): the score filters
        # of the customer list, API and CSV export with their inputs on the list page, and
        # the scores section of the 360 page and API; and a failed run on the shop overview.
        from crm.overview import attention_source_register
        from customers.filters import CUSTOMER_FILTERS
        from customers.selectors import OverviewSection, overview_section_register
        from customers.views.listing import FILTER_CONTROLS, FilterControls
        from insights.api.serializers import CustomerScoresSerializer
        from insights.filters import customer_filter_controls, customer_score_filters_register
        from insights.selectors import customer_scores_for_page, overview_failed_run

        customer_score_filters_register(CUSTOMER_FILTERS)
        FILTER_CONTROLS.append(
            FilterControls(read=customer_filter_controls, template="insights/_customer_filters.html")
        )
        attention_source_register(overview_failed_run)
        overview_section_register(
            OverviewSection(
                name="scores",
                read=lambda shop, customer: customer_scores_for_page(shop=shop, customer=customer),
                template="insights/_customer_scores.html",
                to_json=lambda scores: CustomerScoresSerializer(scores).data,
            )
        )
