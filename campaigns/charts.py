"""The results page's uplift chart as inline SVG geometry (no chart library, no CDN): the
buyer rates of the targeted and held-out groups as bars, and the uplift with its 95%
interval as a point and whisker around zero. Pure: numbers in, coordinates out."""

WIDTH, LABEL_WIDTH, BAR_HEIGHT = 560, 150, 22
PLOT = WIDTH - LABEL_WIDTH - 70


def _x(value: float, low: float, high: float) -> float:
    return round(LABEL_WIDTH + (value - low) / (high - low) * PLOT, 1)


def uplift_chart(holdout: dict | None) -> dict | None:
    """None until the campaign has both groups to compare."""
    if holdout is None or holdout["uplift"] is None:
        return None
    uplift = holdout["uplift"]
    bars = [
        {"y": 10, "width": round(uplift["treated_rate"] * PLOT, 1), "percent": 100 * uplift["treated_rate"],
         "count": holdout["treated_buyers"], "total": holdout["treated"], "is_treated": True},
        {"y": 42, "width": round(uplift["holdout_rate"] * PLOT, 1), "percent": 100 * uplift["holdout_rate"],
         "count": holdout["holdout_buyers"], "total": holdout["holdout"], "is_treated": False},
    ]  # fmt: skip
    low, high = min(uplift["lower"], 0.0) - 0.02, max(uplift["upper"], 0.0) + 0.02
    return {
        "width": WIDTH,
        "label_x": LABEL_WIDTH - 8,
        "bar_x": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "bars": bars,
        "zero_x": _x(0.0, low, high),
        "point_x": _x(uplift["difference"], low, high),
        "lower_x": _x(uplift["lower"], low, high),
        "upper_x": _x(uplift["upper"], low, high),
        "difference": 100 * uplift["difference"],
        "lower": 100 * uplift["lower"],
        "upper": 100 * uplift["upper"],
        "is_clear": uplift["lower"] > 0 or uplift["upper"] < 0,
    }
