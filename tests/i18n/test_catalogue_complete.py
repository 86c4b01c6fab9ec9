"""Every translatable string of the code and templates has a Chinese translation.

`makemessages` runs in a temporary copy of the locale directory (never the repository's:
it would rewrite the whole catalogue), over the apps and templates, and the resulting
catalogue must have no untranslated and no fuzzy entry. A failure lists the strings to
append, with their translations, at the end of locale/zh_Hans/LC_MESSAGES/django.po."""

import shutil

from django.core.management import call_command

from tests.i18n.catalogue import CATALOGUE, ROOT, entries


def source_dirs() -> list:
    apps = [path for path in ROOT.iterdir() if (path / "apps.py").exists()]
    return [*apps, ROOT / "templates"]


def test_makemessages_leaves_no_untranslated_or_fuzzy_entry(tmp_path, settings, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    for source in source_dirs():
        (work / source.name).symlink_to(source)
    locale = work / "locale"
    shutil.copytree(CATALOGUE.parents[2], locale, ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [locale]
    monkeypatch.chdir(work)
    before = CATALOGUE.read_bytes()

    call_command("makemessages", locale=["zh_Hans"], symlinks=True, no_obsolete=True, verbosity=0)

    updated = entries(locale / "zh_Hans" / "LC_MESSAGES" / "django.po")
    missing = sorted(entry.msgid for entry in updated if not entry.is_translated or entry.is_fuzzy)
    assert not missing, f"{len(missing)} strings without a Chinese translation:\n" + "\n".join(missing)
    assert CATALOGUE.read_bytes() == before  # the repository's catalogue was not touched
