"""A shop filled like the demo (customers, orders, refunds, tags, notes, a scoring run, a
finished import) and every staff page of it, for the tests that walk them all: the 1280 px
layout test in a browser and the Chinese-completeness test."""

from django.urls import reverse

from campaigns.care_demo import demo_care_seed
from campaigns.demo import demo_campaign_seed
from campaigns.models import Campaign
from crm.models import Role
from crm.tenancy.context import shop_scope
from customers.demo import demo_customer_extras_seed
from customers.models import Customer, CustomerImportJob, Tag
from insights.demo import demo_scoring_seed
from insights.models import ScoringRun
from loyalty.demo import demo_loyalty_seed
from messaging.demo import demo_messages_seed
from orders.demo import demo_orders_seed
from orders.models import ImportJob, Order, Refund
from orders.services import order_note_add
from tests.conftest import make_shop, make_user
from tickets.demo import demo_tickets_seed
from tickets.models import Ticket

OWNER_EMAIL = "owner@workplace.example"


def workplace_shop_seed():
    """The shop and its owner, seeded through the demo modules (about 60 customers)."""
    shop = make_shop("workplace", OWNER_EMAIL)
    make_user("manager@workplace.example", Role.MANAGER, shop)
    with shop_scope(shop.pk):
        demo_orders_seed(shop=shop, customers=60)
        demo_customer_extras_seed(shop=shop)
        demo_scoring_seed(shop=shop)
        demo_messages_seed(shop=shop)
        demo_loyalty_seed(shop=shop)
        demo_care_seed(shop=shop)
        order = Refund.objects.select_related("order").first().order
        order_note_add(shop=shop, order=order, author=None, body="快递员说周三送达")
        ImportJob.objects.create(shop_id=shop.pk, file_name="双十一订单.csv", status="succeeded", total_rows=3,
                                 processed_rows=3, orders_created=2, rows_rejected=1,
                                 orders_not_counted=1, rejects=[{"line": 3, "order_id": "X9", "field": "total",
                                                                 "reason": "Must not be negative."}])  # fmt: skip
        reject = {"line": 3, "field": "customer_id", "reason": "Each row needs a customer_id, phone or email."}
        CustomerImportJob.objects.create(shop_id=shop.pk, file_name="会员名单.csv", status="succeeded", total_rows=3,
                                         created=1, matched=1, rejected=1, rejects=[reject])  # fmt: skip
        demo_campaign_seed(shop=shop)
        demo_tickets_seed(shop=shop)
    return shop


def workplace_pages(shop) -> list[tuple[str, str]]:
    """(name, path) of every staff page, with ids of real rows."""
    with shop_scope(shop.pk):
        refunded = Order.objects.filter(refunds__isnull=False).order_by("pk").first()
        customer = Customer.objects.get(pk=refunded.customer_id)
        order = Order.objects.filter(status="completed").order_by("-total", "pk").first()
        job = ImportJob.objects.first()
        customer_job = CustomerImportJob.objects.first()
        tag = Tag.objects.first()
        run = ScoringRun.objects.first()
        campaign = Campaign.objects.order_by("pk").first()
        ticket = Ticket.objects.filter(compensations__isnull=False).order_by("pk").first()

    def at(name: str, **kwargs) -> str:
        return reverse(name, kwargs={"shop_slug": shop.slug, **kwargs})

    return [
        ("overview", at("shop-home")),
        ("insights", at("insights:dashboard")),
        ("segment-map", at("insights:segment-map")),
        ("scoring-run", at("insights:run-detail", run_id=run.pk)),
        ("customers", at("customers:list")),
        ("customers-filtered", at("customers:list") + f"?tag={tag.pk}&ordering=-total_spent&city=杭州"),
        ("customer-new", at("customers:create")),
        ("customer", at("customers:detail", customer_id=customer.pk)),
        ("customer-edit", at("customers:edit", customer_id=customer.pk)),
        ("customer-erase", at("customers:erase", customer_id=customer.pk)),
        ("tags", at("customers:tag-list")),
        ("customer-import", at("customers:import")),
        ("customer-import-job", at("customers:import-job", job_id=customer_job.pk)),
        ("orders", at("orders:list")),
        ("order", at("orders:detail", key=order.pk)),
        ("order-refunded", at("orders:detail", key=refunded.pk)),
        ("import", at("orders:import")),
        ("import-job", at("orders:import-job", job_id=job.pk)),
        ("loyalty", at("loyalty:program")),
        ("loyalty-tiers", at("loyalty:tiers")),
        ("loyalty-adjust", at("loyalty:adjust", customer_id=customer.pk)),
        ("settings", at("shop-settings")),
        ("campaigns", at("campaigns:list")),
        ("campaign-new", at("campaigns:new") + "?preset=churn_care"),
        ("campaign", at("campaigns:detail", campaign_id=campaign.pk)),
        ("price-protection", at("campaigns:price-protection")),
        ("care-rules", at("campaigns:care-rules")),
        ("care-rule", at("campaigns:care-rule-edit", kind="birthday") + "?q=" + customer.phone + "&channel=sms"),
        ("care-rule-log", at("campaigns:care-rule-log", kind="order_paid")),
        ("messages", at("messaging:log")),
        ("messaging-settings", at("messaging:settings")),
        ("tickets", at("tickets:queue")),
        ("tickets-team", at("tickets:queue") + "?view=team"),
        ("ticket", at("tickets:detail", ticket_id=ticket.pk)),
        ("ticket-new", at("tickets:new")),
        ("ticket-settings", at("tickets:settings")),
        ("service-hours", at("tickets:service-hours")),
        ("service-reports", at("tickets:reports")),
    ]
