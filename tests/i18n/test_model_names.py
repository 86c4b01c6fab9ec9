"""The admin in Chinese names every app, model (singular and plural) and field in Chinese:
no English plural glued to a Chinese noun (备注s), no English field label."""

import re
from pathlib import Path

from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.functional import Promise

ROOT = Path(__file__).resolve().parents[2]
HAN = re.compile(r"[\u4e00-\u9fff]")


def our_apps():
    return [app for app in apps.get_app_configs() if (ROOT / app.label / "apps.py").exists()]


def chinese(name) -> str:
    with translation.override("zh-hans"):
        return str(name)


def test_apps_and_models_have_chinese_names_singular_and_plural():
    missing = []
    for app in our_apps():
        if not isinstance(app.verbose_name, Promise) or not HAN.search(chinese(app.verbose_name)):
            missing.append(app.label)
        for model in app.get_models():
            for option in ("verbose_name", "verbose_name_plural"):
                name = model._meta.original_attrs.get(option)
                if not isinstance(name, Promise) or not HAN.search(chinese(name)):
                    missing.append(f"{model._meta.label}.Meta.{option}")
    assert not missing


def test_fields_have_chinese_names():
    # The shop key itself is never shown.
    missing = []
    for app in our_apps():
        for model in app.get_models():
            for field in model._meta.concrete_fields:
                skip = field.auto_created or field.name == "shop" or isinstance(field, models.GeneratedField)
                if skip or len(str(field.verbose_name)) == 1:  # R, F and M scores
                    continue
                if not isinstance(field.verbose_name, Promise) or not HAN.search(chinese(field.verbose_name)):
                    missing.append(f"{model._meta.label}.{field.name}")
    assert not missing
