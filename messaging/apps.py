from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        # What messaging adds to the apps below it (which never import it): the messages
        # section of the customer 360 page and API, the messages in a privacy export, what
        # an erasure blanks, how a merge moves messages, the demo shop's messages and the
        # overview's undelivered messages.
        from crm.platform.demo import demo_seeder_register
        from crm.platform.overview import attention_source_register
        from customers.registry import (
            OverviewSection,
            erasure_part_register,
            export_part_register,
            merge_handler_register,
            overview_section_register,
        )
        from messaging.api import MessageSerializer
        from messaging.demo import demo_messages_seed
        from messaging.overview import overview_undelivered_messages
        from messaging.privacy import messages_for_customer_export, messages_merge, messages_personal_data_erase
        from messaging.selectors import messages_for_customer

        overview_section_register(
            OverviewSection(
                name="messages",
                read=messages_for_customer,
                template="messaging/_customer_messages.html",
                to_json=lambda messages: MessageSerializer(messages, many=True).data,
            )
        )
        export_part_register("messages", messages_for_customer_export)
        erasure_part_register("messages", messages_personal_data_erase)
        merge_handler_register("messaging.message", messages_merge)
        demo_seeder_register("messages", demo_messages_seed)
        attention_source_register(overview_undelivered_messages)
