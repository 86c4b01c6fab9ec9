"""The shop's care rules: their defaults, reads and the one way to change one.

A kind without a stored row is its default (off, with the default timing and templates);
the first change stores the row. Templates are checked by messaging (known placeholders
only) and need both languages.
"""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import CareKind, CareRule
from crm.models import Shop
from crm.shops.audit import audit_event_record
from messaging.models import Channel, Purpose
from messaging.templating import message_template_check

LANGUAGES = ("zh-hans", "en")
CHANNELS = (Channel.SMS, Channel.EMAIL)
MAX_DAYS = 730
GAP_MULTIPLE_RANGE = (Decimal("1.0"), Decimal("20.0"))
VALUABLE_SEGMENTS = ["champions", "loyal", "cannot_lose_them"]

# Order-stage care is transactional (care consent); the rest is marketing.
CARE_KINDS = (
    CareKind.ORDER_PAID, CareKind.ORDER_SHIPPED, CareKind.ORDER_DELIVERED, CareKind.AFTER_DELIVERY,
    CareKind.POINTS_EXPIRING, CareKind.TIER_UPGRADE,
)  # fmt: skip
# Chosen from profiling (purchase rhythm, RFM, lifecycle): customers who refused automated
# targeting are skipped at send time (PIPL art. 24).
PROFILED_KINDS = (
    CareKind.WIN_BACK, CareKind.FIRST_PURCHASE_REACTIVATION, CareKind.RECURRING_GIFT, CareKind.VALUABLE_AT_RISK,
)  # fmt: skip
# Which timing fields each kind has; the others do not apply to it.
TIMING_FIELDS: dict[str, tuple[str, ...]] = {
    CareKind.BIRTHDAY: ("days",),
    CareKind.ORDER_PAID: (),
    CareKind.ORDER_SHIPPED: (),
    CareKind.ORDER_DELIVERED: (),
    CareKind.AFTER_DELIVERY: ("days",),
    CareKind.WIN_BACK: ("days", "gap_multiple"),
    CareKind.FIRST_PURCHASE_REACTIVATION: ("days",),
    CareKind.RECURRING_GIFT: ("days",),
    CareKind.VALUABLE_AT_RISK: ("segments",),
    CareKind.POINTS_EXPIRING: ("days",),
    CareKind.TIER_UPGRADE: (),
}
EDITABLE_FIELDS = ("is_enabled", "channels", "days", "gap_multiple", "segments", "subject", "body")


def _text(zh_hans: str, en: str) -> dict[str, str]:
    return {"zh-hans": zh_hans, "en": en}


DEFAULTS: dict[str, dict[str, Any]] = {
    CareKind.BIRTHDAY: {
        "days": 0,
        "subject": _text("生日快乐，{customer_name}", "Happy birthday, {customer_name}"),
        "body": _text(
            "亲爱的{customer_name}，{shop_name}祝您生日快乐！", "Dear {customer_name}, happy birthday from {shop_name}!"
        ),
    },
    CareKind.ORDER_PAID: {
        "subject": _text("订单{order_number}已付款", "Order {order_number} is paid"),
        "body": _text(
            "{customer_name}您好，订单{order_number}已收到付款{amount}，我们会尽快发货。",
            "Hi {customer_name}, we received {amount} for order {order_number} and will ship it soon.",
        ),
    },
    CareKind.ORDER_SHIPPED: {
        "subject": _text("订单{order_number}已发货", "Order {order_number} has shipped"),
        "body": _text(
            "{customer_name}您好，订单{order_number}已发货，查看物流：{short_link}",
            "Hi {customer_name}, order {order_number} has shipped. Track it: {short_link}",
        ),
    },
    CareKind.ORDER_DELIVERED: {
        "subject": _text("订单{order_number}已送达", "Order {order_number} was delivered"),
        "body": _text(
            "{customer_name}您好，订单{order_number}已送达，感谢您对{shop_name}的支持！",
            "Hi {customer_name}, order {order_number} was delivered. Thank you for shopping at {shop_name}!",
        ),
    },
    CareKind.AFTER_DELIVERY: {
        "days": 7,
        "subject": _text("订单{order_number}用得还好吗？", "How is order {order_number} working for you?"),
        "body": _text(
            "{customer_name}您好，订单{order_number}用得还满意吗？欢迎告诉我们您的评价。",
            "Hi {customer_name}, are you happy with order {order_number}? We would love your review.",
        ),
    },
    CareKind.WIN_BACK: {
        "days": 90,
        "gap_multiple": Decimal("3.0"),
        "subject": _text("{customer_name}，好久不见", "We miss you, {customer_name}"),
        "body": _text(
            "{customer_name}，好久不见！{shop_name}上了新品，欢迎回来看看。",
            "{customer_name}, it has been a while! {shop_name} has new arrivals for you.",
        ),
    },
    CareKind.FIRST_PURCHASE_REACTIVATION: {
        "days": 30,
        "subject": _text("感谢您的首次购物", "Thank you for your first order"),
        "body": _text(
            "{customer_name}，感谢您第一次在{shop_name}购物，期待再次为您服务。",
            "{customer_name}, thank you for your first order at {shop_name}. We hope to see you again.",
        ),
    },
    CareKind.RECURRING_GIFT: {
        "days": 7,
        "subject": _text("又到送礼的时候了", "Your gift date is coming up"),
        "body": _text(
            "{customer_name}，往年这几天您都在{shop_name}挑选礼物，今年的礼物准备好了吗？",
            "{customer_name}, around this time each year you pick a gift at {shop_name}. Ready for this year's?",
        ),
    },
    CareKind.VALUABLE_AT_RISK: {
        "segments": VALUABLE_SEGMENTS,
        "subject": _text("{shop_name}想念您", "{shop_name} misses you"),
        "body": _text(
            "{customer_name}，{shop_name}想念您，专属关怀已为您准备好，欢迎回来。",
            "{customer_name}, {shop_name} misses you. Something special is waiting for you.",
        ),
    },
    # {amount} is the number of points that expire.
    CareKind.POINTS_EXPIRING: {
        "days": 7,
        "subject": _text("您的积分即将过期", "Your points expire soon"),
        "body": _text(
            "{customer_name}，您在{shop_name}有{amount}积分即将过期，记得尽快使用。",
            "{customer_name}, {amount} of your {shop_name} points expire soon. Use them before they go.",
        ),
    },
    CareKind.TIER_UPGRADE: {
        "subject": _text("恭喜您升级", "Congratulations on your new tier"),
        "body": _text(
            "恭喜{customer_name}，您在{shop_name}的会员等级已升级，更多权益等您享受。",
            "Congratulations {customer_name}, your {shop_name} membership tier went up. Enjoy the new benefits.",
        ),
    },
}


class CareRuleInvalid(ValueError):
    """The change names fields with problems: {field: [reason, ...]}; nothing was saved."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def purpose_of(kind: str) -> str:
    return Purpose.CARE if kind in CARE_KINDS else Purpose.MARKETING


def care_rule_default(*, shop: Shop, kind: str) -> CareRule:
    """The unsaved rule a kind has until a manager changes it."""
    defaults = DEFAULTS[kind]
    return CareRule(
        shop=shop, kind=kind, is_enabled=False, channels=[Channel.SMS], days=defaults.get("days", 0),
        gap_multiple=defaults.get("gap_multiple"), segments=list(defaults.get("segments", [])),
        subject=dict(defaults["subject"]), body=dict(defaults["body"]),
    )  # fmt: skip


def care_rule_list(*, shop: Shop) -> list[CareRule]:
    """Every kind's rule, stored or default, in the kinds' order."""
    stored = {rule.kind: rule for rule in CareRule.objects.all()}
    return [stored.get(kind) or care_rule_default(shop=shop, kind=kind) for kind in CareKind.values]


def care_rule_get(*, shop: Shop, kind: str) -> CareRule | None:
    """The kind's rule (stored or default); None for a name that is no kind."""
    if kind not in CareKind.values:
        return None
    return CareRule.objects.filter(kind=kind).first() or care_rule_default(shop=shop, kind=kind)


def _templates_errors(texts: Any, *, required: bool) -> list[str]:
    if isinstance(texts, str):
        texts = dict.fromkeys(LANGUAGES, texts)
    if not isinstance(texts, dict) or set(texts) - set(LANGUAGES):
        return [str(_("Give an object with the languages %(languages)s.") % {"languages": ", ".join(LANGUAGES)})]
    errors = []
    for language in LANGUAGES:
        text = texts.get(language, "")
        if not isinstance(text, str) or (required and not text.strip()):
            errors.append(str(_("The %(language)s text is missing.") % {"language": language}))
        elif text:
            errors.extend(f"{language}: {error}" for error in message_template_check(text))
    return errors


def _value_errors(rule: CareRule) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not rule.channels or set(rule.channels) - set(CHANNELS) or len(set(rule.channels)) != len(rule.channels):
        errors["channels"] = [str(_("Choose one or both of: sms, email."))]
    if not 0 <= rule.days <= MAX_DAYS:
        errors["days"] = [str(_("A whole number of days from 0 to %(max)s.") % {"max": MAX_DAYS})]
    low, high = GAP_MULTIPLE_RANGE
    if rule.gap_multiple is not None and not low <= rule.gap_multiple <= high:
        errors["gap_multiple"] = [str(_("A multiple from %(low)s to %(high)s, or empty.") % {"low": low, "high": high})]
    if rule.kind == CareKind.VALUABLE_AT_RISK and not rule.segments:
        errors["segments"] = [str(_("Choose at least one segment."))]
    for name in ("subject", "body"):
        problems = _templates_errors(getattr(rule, name), required=name == "body" or Channel.EMAIL in rule.channels)
        if problems:
            errors[name] = problems
    return errors


@transaction.atomic
def care_rule_update(*, shop: Shop, kind: str, changes: dict[str, Any], updated_by=None) -> CareRule:
    """Apply `changes` (a subset of EDITABLE_FIELDS) to the kind's rule and store it, with an
    audit row; CareRuleInvalid names every field with a problem."""
    not_applicable = {
        name: [str(_("Does not apply to this kind of rule."))]
        for name in ("days", "gap_multiple", "segments")
        if name in changes and name not in TIMING_FIELDS[kind]
    }
    if not_applicable:
        raise CareRuleInvalid(not_applicable)
    rule = CareRule.objects.select_for_update().filter(kind=kind).first() or care_rule_default(shop=shop, kind=kind)
    for name in ("subject", "body"):
        if isinstance(changes.get(name), str):
            changes = {**changes, name: dict.fromkeys(LANGUAGES, changes[name])}
    before = {name: getattr(rule, name) for name in changes}
    for name, value in changes.items():
        setattr(rule, name, value)
    errors = _value_errors(rule)
    if errors:
        raise CareRuleInvalid(errors)
    rule.updated_by, rule.updated_at = updated_by, timezone.now()
    rule.save()
    changed = {name: [str(before[name]), str(value)] for name, value in changes.items() if before[name] != value}
    audit_event_record(action="campaigns.care_rule.update", obj=rule, changes=changed)
    return rule
