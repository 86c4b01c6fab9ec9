"""What the customer is worth to the shop, as severity grading reads it: the RFM segment from
insights' current scoring run, and whether the customer's loyalty tier carries priority service."""

from crm.models import Shop
from customers.models import Customer
from insights.selectors import customer_scores_for_page
from loyalty.selectors import tier_benefits


def customer_value(*, shop: Shop, customer: Customer) -> dict:
    """{"segment": the segment key or "", "is_priority_member": bool}."""
    score = customer_scores_for_page(shop=shop, customer=customer)["current"]
    return {
        "segment": score.segment if score is not None else "",
        "is_priority_member": bool(tier_benefits(shop, customer)["priority_service"]),
    }
