from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        # What tickets add to the apps below (which never import tickets): the tickets section
        # of the customer 360 page and API, the tickets in a privacy export and an erasure, the marketing
        # hold while a customer has an open severe complaint, the shop overview's panel and
        # attention items (tickets about to breach, approvals, missed targets), and the demo
        # shop's tickets.
        from crm.platform.demo import demo_seeder_register
        from crm.platform.overview import OverviewPanel, attention_source_register, overview_panel_register
        from customers.registry import (
            OverviewSection,
            erasure_part_register,
            export_part_register,
            overview_section_register,
        )
        from messaging.registry import marketing_suppressor_register
        from tickets.api.serializers import TicketSerializer
        from tickets.demo import demo_tickets_seed
        from tickets.overview import overview_open_tickets, overview_sla_breaches, overview_ticket_attention
        from tickets.selectors import customer_tickets_export, customer_tickets_section, open_severe_complaints
        from tickets.services.privacy import tickets_personal_data_erase

        overview_section_register(
            OverviewSection(
                name="tickets",
                read=customer_tickets_section,
                template="tickets/_customer_tickets.html",
                to_json=lambda section: TicketSerializer(section["tickets"], many=True).data,
            )
        )
        export_part_register("tickets", customer_tickets_export)
        erasure_part_register("tickets", tickets_personal_data_erase)
        marketing_suppressor_register("tickets.open_severe_complaint", open_severe_complaints)
        overview_panel_register(
            OverviewPanel("open_tickets", overview_open_tickets, "tickets/_overview_tickets.html", 40)
        )
        attention_source_register(overview_ticket_attention)
        attention_source_register(overview_sla_breaches)
        demo_seeder_register("tickets", demo_tickets_seed)
