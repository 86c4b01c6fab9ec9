"""Configuration from the environment; `.data/runtime.env` (written by scripts/bootstrap.py) fills gaps."""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

BASE_DIR = Path(__file__).resolve().parents[2]
RUNTIME_ENV_FILE = BASE_DIR / ".data" / "runtime.env"


def load_runtime_env() -> None:
    """Variables already set in the environment win over the bootstrap file."""
    if not RUNTIME_ENV_FILE.exists():
        return
    for line in RUNTIME_ENV_FILE.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            os.environ.setdefault(name.strip(), value.strip())


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"environment variable {name} is required")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """postgres://user:password@host:port/name, or postgres://user:password@/name?host=/socket/dir"""
    parts = urlparse(url)
    socket_dir = parse_qs(parts.query).get("host", [""])[0]
    return {
        "ENGINE": "crm.platform.postgresql",  # Django's, with a cheaper health check (crm/platform/postgresql/base.py)
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": socket_dir or parts.hostname or "",
        "PORT": str(parts.port or ""),
    }
