"""The shop's ticket settings, categories and macros."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.platform.text import text_required
from crm.shops.audit import audit_event_record
from tickets.models import DEFAULT_CATEGORIES, CompensationKind, Macro, TicketCategory, TicketSettings, TicketStatus
from tickets.variables import template_problems

SETTINGS_FIELDS = (
    "auto_close_days", "approval_threshold", "approval_points", "agent_open_cap", "csat_delay_hours", "csat_valid_days",
    "follow_up_days", "auto_assign_new",
)  # fmt: skip


class SettingsInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def ticket_settings_get(*, shop: Shop, for_update: bool = False) -> TicketSettings:
    """The shop's settings row, created with the defaults (and the default categories) on
    first use; `for_update` locks it (the ticket-number counter)."""
    queryset = TicketSettings.objects.select_for_update() if for_update else TicketSettings.objects
    settings = queryset.filter(shop=shop).first()
    if settings is not None:
        return settings
    try:
        with transaction.atomic():
            TicketSettings.objects.create(shop=shop)
            TicketCategory.objects.bulk_create(
                [TicketCategory(shop=shop, code=code, position=index) for index, (code, _label) in
                 enumerate(DEFAULT_CATEGORIES)]
            )  # fmt: skip
    except IntegrityError:
        pass  # a concurrent first use created them
    return queryset.get(shop=shop)


def ticket_settings_update(*, shop: Shop, values: dict) -> TicketSettings:
    """`values` come from a validated form (SettingsForm)."""
    settings = ticket_settings_get(shop=shop, for_update=True)
    changes = {}
    for name in SETTINGS_FIELDS:
        if name in values and getattr(settings, name) != values[name]:
            changes[name] = [str(getattr(settings, name)), str(values[name])]
            setattr(settings, name, values[name])
    settings.save()
    if changes:
        audit_event_record(action="tickets.settings", obj=settings, changes=changes)
    return settings


def category_save(*, shop: Shop, name: str, category: TicketCategory | None = None, is_active: bool = True):
    try:
        name = text_required(name, max_length=100)
    except ValueError as reason:
        raise SettingsInvalid({"name": [str(reason)]}) from None
    ticket_settings_get(shop=shop)
    if category is None:
        taken = set(TicketCategory.objects.values_list("code", flat=True))
        base = slugify(name, allow_unicode=True)[:30] or "category"
        code, number = base, 1
        while code in taken:
            number += 1
            code = f"{base}-{number}"
        category = TicketCategory(shop=shop, code=code, position=len(taken))
    category.name, category.is_active = name, is_active
    category.save()
    audit_event_record(action="tickets.category", obj=category, changes={"name": name, "is_active": is_active})
    return category


def macro_save(*, shop: Shop, data: dict, macro: Macro | None = None) -> Macro:
    """`data`: name, body, set_status, set_category (a TicketCategory or None),
    compensation_kind, compensation_amount, is_active; the body may use only known variables."""
    errors: dict[str, list[str]] = {}
    for name, limit in (("name", 100), ("body", 5000)):
        try:
            data[name] = text_required(data.get(name) or "", max_length=limit)
        except ValueError as reason:
            errors[name] = [str(reason)]
    if "body" not in errors and (problems := template_problems(data["body"])):
        errors["body"] = problems
    if data.get("set_status", "") not in ("", *TicketStatus.values):
        errors["set_status"] = [_("Not a ticket status.")]
    if data.get("compensation_kind", "") not in ("", *CompensationKind.values):
        errors["compensation_kind"] = [_("Not a kind of compensation.")]
    amount = data.get("compensation_amount") or Decimal("0")
    if amount < 0:
        errors["compensation_amount"] = [_("Must not be negative.")]
    if errors:
        raise SettingsInvalid(errors)
    macro = macro or Macro(shop=shop)
    macro.name, macro.body, macro.compensation_amount = data["name"], data["body"], amount
    macro.set_status, macro.compensation_kind = data.get("set_status", ""), data.get("compensation_kind", "")
    macro.set_category, macro.is_active = data.get("set_category"), data.get("is_active", True)
    try:
        with transaction.atomic():
            macro.save()
    except IntegrityError:
        raise SettingsInvalid({"name": [_("A macro with this name exists.")]}) from None
    audit_event_record(action="tickets.macro", obj=macro, changes={"name": macro.name})
    return macro
