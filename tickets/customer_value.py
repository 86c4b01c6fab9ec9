"""What the customer is worth to the shop, as severity grading and the ticket sidebar read it
from insights (and from loyalty's tiers once that app offers them)."""

from crm.models import Shop
from customers.models import Customer
from insights.selectors import customer_scores_for_page


def customer_value(*, shop: Shop, customer: Customer) -> dict:
    """{"segment": the RFM segment key in the current scoring run or "", "is_priority_member": bool}."""
    score = customer_scores_for_page(shop=shop, customer=customer)["current"]
    return {"segment": score.segment if score is not None else "", "is_priority_member": False}
