"""Campaign audiences: who a campaign targets, as an allow-listed description
(`{"segments": [...], "lifecycle_stages": [...], "tags": [...], "total_spent_min": "100",
"orders_count_max": 3, "consent": "sms", "customer_ids": [...]}`) turned into a customer
queryset through customers' own filter registry (no user input reaches the ORM directly).

Tiers come from loyalty (`"tiers": ["金卡"]`). Customers who refused automated targeting
(PIPL art. 24) are left out of every audience
chosen by segment, stage, tag or spend; an uploaded list of customers is the shop's own
choice of people and keeps them. Merged-away and erased profiles are never in an audience.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from crm.models import Shop
from customers.filters import FilterInvalid
from customers.models import ConsentChannel, ConsentPurpose, Customer, CustomerConsent
from customers.registry import CUSTOMER_FILTERS
from loyalty.selectors import customer_ids_in_tiers

MAX_LISTED_CUSTOMERS = 100_000
MAX_LIST_VALUES = 50
# Audience keys -> the customer filter parameter each becomes.
LIST_FILTERS = {"segments": "segment__in", "lifecycle_stages": "lifecycle_stage__in", "tags": "tag__in"}
RANGE_FILTERS = {
    "total_spent_min": "total_spent__gte",
    "total_spent_max": "total_spent__lte",
    "orders_count_min": "orders_count__gte",
    "orders_count_max": "orders_count__lte",
}
SEGMENT_KEYS = frozenset(LIST_FILTERS) | frozenset(RANGE_FILTERS) | {"tiers"}
KNOWN_KEYS = SEGMENT_KEYS | {"consent", "customer_ids"}


class AudienceInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid audience")
        self.errors = errors


def audience_clean(raw) -> dict:
    """The audience with empty parts dropped; AudienceInvalid names the bad keys."""
    if raw in (None, "", {}):
        return {}
    if not isinstance(raw, dict):
        raise AudienceInvalid({"non_field_errors": [_("Must be a JSON object.")]})
    errors: dict[str, list[str]] = {}
    for key in set(raw) - KNOWN_KEYS:
        errors[key] = [_("Unknown audience field.")]
    audience = {key: value for key, value in raw.items() if key in KNOWN_KEYS and value not in (None, "", [])}
    for key in (*LIST_FILTERS, "tiers"):
        value = audience.get(key)
        if value is not None and (not isinstance(value, list) or not 0 < len(value) <= MAX_LIST_VALUES):
            errors[key] = [_("Must be a list of at most %(limit)d values.") % {"limit": MAX_LIST_VALUES}]
    ids = audience.get("customer_ids")
    if ids is not None and (
        not isinstance(ids, list)
        or len(ids) > MAX_LISTED_CUSTOMERS
        or not all(type(item) is int and 0 < item < 2**62 for item in ids)
    ):
        errors["customer_ids"] = [
            _("Must be a list of at most %(limit)d customer ids.") % {"limit": MAX_LISTED_CUSTOMERS}
        ]
    if audience.get("consent") not in (None, *ConsentChannel.values):
        errors["consent"] = [_("Must be sms or email.")]
    if not errors:
        try:
            CUSTOMER_FILTERS.parse(_filter_params(audience), tz=None)
        except FilterInvalid as error:
            reverse = {param: key for key, param in {**LIST_FILTERS, **RANGE_FILTERS}.items()}
            errors = {reverse.get(name, name): reasons for name, reasons in error.errors.items()}
    if errors:
        raise AudienceInvalid(errors)
    return audience


def _filter_params(audience: dict) -> dict[str, str]:
    params = {
        param: ",".join(str(item) for item in audience[key]) for key, param in LIST_FILTERS.items() if key in audience
    }
    params.update({param: str(audience[key]) for key, param in RANGE_FILTERS.items() if key in audience})
    return params


def audience_is_segment_driven(audience: dict) -> bool:
    """Chosen by the shop's scoring or profile data (not a list of people the shop named)."""
    return bool(SEGMENT_KEYS & set(audience)) or "customer_ids" not in audience


def audience_queryset(*, shop: Shop, audience: dict) -> QuerySet[Customer]:
    """The live customers an audience (already cleaned) describes, in the shop's scope."""
    match = CUSTOMER_FILTERS.parse(_filter_params(audience), shop.tzinfo)
    customers = Customer.objects.filter(match, merged_into__isnull=True, erased_at__isnull=True)
    if audience.get("customer_ids"):
        customers = customers.filter(pk__in=audience["customer_ids"])
    if audience.get("tiers"):
        customers = customers.filter(pk__in=customer_ids_in_tiers(shop, [str(name) for name in audience["tiers"]]))
    if audience.get("consent"):
        consents = CustomerConsent.objects.filter(
            customer_id=OuterRef("pk"), channel=audience["consent"], purpose=ConsentPurpose.MARKETING, is_granted=True
        )
        customers = customers.filter(Exists(consents))
    if audience_is_segment_driven(audience):
        customers = customers.filter(is_automated_targeting_refused=False)
    return customers


def audience_size(*, shop: Shop, audience: dict) -> int:
    return audience_queryset(shop=shop, audience=audience).count()


def audience_contains(*, shop: Shop, audience: dict, customer_id: int) -> bool:
    return audience_queryset(shop=shop, audience=audience).filter(Q(pk=customer_id)).exists()
