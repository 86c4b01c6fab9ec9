"""Duplicate candidates: people who are probably one, that identity resolution could not
join because they share no channel id, phone or email.

Signals (each names itself in `reasons`):
- same_name_birthday: same name (case-insensitive) and birthday;
- same_name_city: same name and city;
- same_email_local: same email local part, ignoring dots and a +suffix, on another domain
  (wang.fang+shop@qq.com ~ wangfang@163.com);
- same_phone_national: same last 10 phone digits under another country code (a number
  once read in the wrong region).
Names shorter than two characters are never matched. Candidates are fetched with
index-served predicates only (name key equality, email and reversed-phone prefixes),
then the signals are checked here.
"""

import re

from django.db.models import Prefetch, Q

from customers.models import Customer, CustomerTag

MAX_CANDIDATES = 20
MAX_SCANNED = 500


def _email_local(email: str | None) -> str:
    if not email:
        return ""
    return email.split("@", 1)[0].split("+", 1)[0].replace(".", "")


def _reasons(me: Customer, other: Customer) -> list[str]:
    reasons = []
    same_name = len(me.name) >= 2 and me.name.lower() == other.name.lower()
    if same_name and me.birthday and me.birthday == other.birthday:
        reasons.append("same_name_birthday")
    if same_name and me.city and me.city == other.city:
        reasons.append("same_name_city")
    mine = _email_local(me.email)
    if mine and other.email and other.email != me.email and _email_local(other.email) == mine:
        reasons.append("same_email_local")
    if me.phone and other.phone and other.phone != me.phone and other.phone[-10:] == me.phone[-10:]:
        reasons.append("same_phone_national")
    return reasons


def _lookup(customer: Customer) -> Q | None:
    query = Q()
    if len(customer.name) >= 2:
        query |= Q(name_key=customer.name.lower())
    email_start = re.split(r"[.+@]", customer.email or "")[0]
    if len(email_start) >= 3:
        query |= Q(email__prefix=email_start)
    if customer.phone and len(customer.phone) > 10:
        query |= Q(phone_reversed__prefix=customer.phone[::-1][:10])
    return query or None


def customer_duplicate_candidates(*, customer: Customer) -> list[tuple[Customer, list[str]]]:
    """Live customers that look like `customer`, with the signals that matched."""
    query = _lookup(customer)
    if query is None:
        return []
    others = Customer.objects.filter(query, merged_into__isnull=True).exclude(pk=customer.pk)
    others = others.prefetch_related(
        "channel_ids", Prefetch("customer_tags", CustomerTag.objects.select_related("tag"))
    )
    matches = []
    for other in others.order_by("-pk")[:MAX_SCANNED]:
        reasons = _reasons(customer, other)
        if reasons:
            matches.append((other, reasons))
    return matches[:MAX_CANDIDATES]
