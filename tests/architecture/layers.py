"""The checker behind test_layers.py: which imports and which raw SQL cross the app layers.

Pure functions over (path, source) pairs, so the test of the checker can feed it planted
violations without touching the tree."""

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

# Lowest first: an app may import only the apps before it.
LAYERS = ("crm", "customers", "orders", "insights", "loyalty", "messaging", "campaigns", "tickets")
# The composition root names every app: URL mounting and settings.
COMPOSITION_ROOT = re.compile(r"^crm/(urls\.py|settings/)")
NOT_PRODUCT = ("bench", "tests")
# A string is SQL when it says what to do with a table; a bare table name (placement
# metadata, a label) is not a query.
SQL_VERB = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|COPY|TRUNCATE|INTO)\b", re.IGNORECASE)


def product_files(root: Path) -> Iterator[tuple[str, str]]:
    """(path relative to root, source) of every app module; migrations are schema history
    and are left out."""
    for app in LAYERS:
        for path in sorted((root / app).rglob("*.py")) if (root / app).is_dir() else ():
            if "migrations" not in path.parts:
                yield path.relative_to(root).as_posix(), path.read_text(encoding="utf-8")


def _app_of(path: str) -> str:
    return path.split("/", 1)[0]


def imported_modules(source: str) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import anywhere in the module, function bodies
    included, and of `import_module("...")` calls with a literal name."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def import_violations(files: Iterable[tuple[str, str]]) -> list[str]:
    violations = []
    for path, source in files:
        app = _app_of(path)
        for line, module in imported_modules(source):
            target = module.split(".", 1)[0]
            if target in NOT_PRODUCT:
                violations.append(f"{path}:{line} imports {module} (not product code)")
            elif target in LAYERS and LAYERS.index(target) > LAYERS.index(app) and not COMPOSITION_ROOT.match(path):
                violations.append(f"{path}:{line} imports {module} ({app} is below {target})")
    return violations


def _string_constants(source: str) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def raw_sql_violations(files: Iterable[tuple[str, str]], table_apps: dict[str, str]) -> list[str]:
    """SQL strings in one app's modules that name another app's table: raw SQL reaching into
    tables that app should be asked about through a function it exports."""
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, table_apps), key=len, reverse=True)) + r")\b")
    violations = []
    for path, source in files:
        app = _app_of(path)
        for line, text in _string_constants(source):
            if not SQL_VERB.search(text):
                continue
            for table in sorted(set(pattern.findall(text))):
                if table_apps[table] != app:
                    violations.append(f"{path}:{line} names {table}, a table of {table_apps[table]}")
    return violations
