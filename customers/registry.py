"""The places where apps above customers plug into it; customers never imports them.

Each registry is a plain dict (or the filter registry) that an app fills from its
AppConfig.ready(); customers' own filters and merge handlers are registered the same way
(customers/apps.py), so reading a registry shows everything that takes part:

- OVERVIEW_SECTIONS: parts of the customer 360 page and API (orders, scores).
- CUSTOMER_FILTERS and FILTER_CONTROLS: filters of the customer list, API and CSV export,
  and the inputs for them on the list page.
- EXPORT_PARTS: what a privacy export contains, one key per part.
- ERASURE_PARTS: what erasing a customer blanks or deletes besides the profile.
- MERGE_HANDLERS: how a model with a foreign key to Customer moves or combines its rows
  when a duplicate is merged into a survivor; models without a handler are re-pointed
  as they are, and a unique-constraint clash there fails the merge.
"""

from collections.abc import Callable
from dataclasses import dataclass

from customers.filters import FilterRegistry


@dataclass(frozen=True)
class OverviewSection:
    """A part of the 360: `read(*, shop, customer)` gets its data (in the shop's scope);
    the page renders `template` with that data as `section`, and the API returns
    `to_json(data)` under `sections[name]`."""

    name: str
    read: Callable[..., object]
    template: str
    to_json: Callable[[object], object]


@dataclass(frozen=True)
class FilterControls:
    """Inputs for registered filters on the list page: `template` rendered with
    `read(shop=shop)` as `section`, alongside the form's `filters` (the current values)."""

    read: Callable[..., object]
    template: str


# The functions below are called with keywords, in the shop's scope and the caller's
# transaction:
# read(*, shop, customer) -> JSON-ready data the app holds about the customer.
ExportPart = Callable[..., object]
# erase(*, shop, customer_ids) -> None: the ids are the person's profile and every profile
# merged into it; blank or delete what the app holds about them.
ErasurePart = Callable[..., None]
# handle(*, shop, survivor, duplicate) -> rows moved: with both customers locked, leave no
# row of the handler's model pointing at the duplicate (move, combine or drop them).
MergeHandler = Callable[..., int]

OVERVIEW_SECTIONS: dict[str, OverviewSection] = {}
CUSTOMER_FILTERS = FilterRegistry()
FILTER_CONTROLS: dict[str, FilterControls] = {}
EXPORT_PARTS: dict[str, ExportPart] = {}
ERASURE_PARTS: dict[str, ErasurePart] = {}
MERGE_HANDLERS: dict[str, MergeHandler] = {}  # by the related model's label, e.g. "orders.order"


def _register(registry: dict, name: str, entry) -> None:
    assert name not in registry, f"{name} registered twice"
    registry[name] = entry


def overview_section_register(section: OverviewSection) -> None:
    _register(OVERVIEW_SECTIONS, section.name, section)


def filter_controls_register(name: str, controls: FilterControls) -> None:
    _register(FILTER_CONTROLS, name, controls)


def export_part_register(name: str, read: ExportPart) -> None:
    _register(EXPORT_PARTS, name, read)


def erasure_part_register(name: str, erase: ErasurePart) -> None:
    _register(ERASURE_PARTS, name, erase)


def merge_handler_register(model_label: str, handle: MergeHandler) -> None:
    _register(MERGE_HANDLERS, model_label, handle)
