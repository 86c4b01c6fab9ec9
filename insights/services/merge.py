"""Scores when customers merge: the survivor keeps its own scores and the duplicate's go.
Both have a score in the same runs (the runs' primary keys would clash), and the next run
scores the merged history anyway."""

from crm.models import Shop
from customers.models import Customer
from insights.models import CustomerScore


def customer_scores_merge(*, shop: Shop, survivor: Customer, duplicate: Customer) -> int:
    deleted, _ = CustomerScore.objects.filter(customer_id=duplicate.pk).delete()
    return deleted
