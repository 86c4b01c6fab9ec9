"""Demo data for `manage.py seed_demo`: each app that has some registers a seeder from its
AppConfig.ready(), so the platform command never imports the apps above it. Seeders run in
the order the apps are installed (lowest layer first), each in the demo shop's scope, and
must be idempotent."""

from collections.abc import Callable

# seed(*, shop) -> anything; the result is ignored.
DEMO_SEEDERS: dict[str, Callable[..., object]] = {}


def demo_seeder_register(name: str, seed: Callable[..., object]) -> None:
    assert name not in DEMO_SEEDERS, f"demo seeder {name} registered twice"
    DEMO_SEEDERS[name] = seed
