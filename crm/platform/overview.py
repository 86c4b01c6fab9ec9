"""The shop overview's contents, contributed by the apps (crm never imports them): panels
(KPIs, recent orders, ...) and the things that need doing (an import that failed, a
scoring run that failed; later breaching tickets, failed messages). Apps register from
their AppConfig.ready; the page shows panels by `position` and every attention item."""

from collections.abc import Callable
from dataclasses import dataclass

from crm.models import Shop


@dataclass(frozen=True)
class OverviewPanel:
    """`read(shop)` gets the panel's data in the shop's scope (None hides the panel); the
    page renders `template` with it as `panel`. `wide` panels take the whole row."""

    name: str
    read: Callable[[Shop], object]
    template: str
    position: int
    wide: bool = False


@dataclass(frozen=True)
class Attention:
    """One thing staff should look at today, with where to do it."""

    text: str
    url: str
    is_urgent: bool = False


_PANELS: dict[str, OverviewPanel] = {}
_ATTENTION: list[Callable[[Shop], list[Attention]]] = []


def overview_panel_register(panel: OverviewPanel) -> None:
    assert panel.name not in _PANELS, f"overview panel {panel.name} registered twice"
    _PANELS[panel.name] = panel


def attention_source_register(source: Callable[[Shop], list[Attention]]) -> None:
    _ATTENTION.append(source)


def overview_read(shop: Shop) -> dict:
    panels = []
    for panel in sorted(_PANELS.values(), key=lambda item: item.position):
        data = panel.read(shop)
        if data is not None:
            panels.append((panel, data))
    attention = [item for source in _ATTENTION for item in source(shop)]
    return {"panels": panels, "attention": sorted(attention, key=lambda item: not item.is_urgent)}
