"""Every user-visible string is translated into Norwegian bokmål, Danish and Swedish.

The messages are re-extracted from the current source (Python and templates) into a temporary
copy of the project, so a string added to the code without a translation fails here even if
nobody ran `makemessages`. The repository's own `locale/` is never written to.

To fix a failure:

    FELTBOK_DEBUG=1 .venv/bin/python manage.py makemessages -l nb -l da -l sv -l en \
        --ignore=.venv --ignore=static --ignore=staticfiles --ignore=var --ignore=bench \
        --ignore=tests --no-obsolete

then translate the new entries in locale/{nb,da,sv}/LC_MESSAGES/django.po (remove any
`#, fuzzy` after checking) and run `manage.py compilemessages`.
"""

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[3]
LANGUAGES = ["nb", "da", "sv"]
# The same directories `makemessages` is told to skip in the instructions above.
IGNORED = [".venv", "static", "staticfiles", "var", "bench", "tests"]

# printf-style (`%(name)s`, `%s`, `%d`; python-format) and brace-style (`{name}`, `{}`;
# python-brace-format). Template variables reach the catalogue as `%(name)s`.
PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifeEgGxXorc%]")
BRACES = re.compile(r"\{[\w.]*(?:![rsa])?(?::[^{}]*)?\}")

# Runs in a child process with the project on sys.path: makemessages writes only into the
# temporary copy, because LOCALE_PATHS and the working directory both point there.
EXTRACT = textwrap.dedent(
    """
    import sys

    sys.path.insert(0, sys.argv[1])
    import django
    from django.conf import settings

    django.setup()
    settings.LOCALE_PATHS = [sys.argv[2]]
    from django.core.management import call_command

    call_command(
        "makemessages",
        locale=sys.argv[3].split(","),
        ignore_patterns=sys.argv[4].split(","),
        no_obsolete=True,
        verbosity=0,
    )
    """
)


def placeholders(entry, text):
    """The placeholders in `text`, read as the format xgettext detected for the entry."""
    found = []
    if "python-format" in entry.flags:
        found += [token for token in PRINTF.findall(text) if token != "%%"]
    if "python-brace-format" in entry.flags:
        found += BRACES.findall(text)
    return sorted(set(found))


@pytest.fixture(scope="module")
def catalogues(tmp_path_factory):
    """The .po files as `makemessages` would leave them for the source as it is now."""
    for language in LANGUAGES:
        po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
        assert po.is_file(), f"{po} is missing: run makemessages for {language!r}."
    work = tmp_path_factory.mktemp("messages")
    # The source tree, as makemessages sees it from the project root (hidden and ignored
    # directories left out), plus a copy of the committed translations to merge into.
    skip = shutil.ignore_patterns(".*", "__pycache__", "*.pyc", *IGNORED)
    for entry in ROOT.iterdir():
        if entry.name == "locale" or skip(str(ROOT), [entry.name]):
            continue
        if entry.is_dir():
            shutil.copytree(entry, work / entry.name, ignore=skip, symlinks=True)
        else:
            shutil.copy2(entry, work / entry.name)
    locale = work / "locale"
    shutil.copytree(ROOT / "locale", locale)

    env = {**os.environ, "FELTBOK_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "feltbok.test_settings"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            EXTRACT,
            str(ROOT),
            str(locale),
            ",".join(LANGUAGES),
            ",".join(IGNORED),
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    return {
        language: polib.pofile(str(locale / language / "LC_MESSAGES" / "django.po"))
        for language in LANGUAGES
    }


def entries(catalogue):
    return [entry for entry in catalogue if not entry.obsolete]


def describe(entry):
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    return f"  {entry.msgid!r}" + (f"  ({where})" if where else "")


def report(problem, offending):
    lines = [f"{problem}:"]
    for language, items in offending.items():
        lines.append(f"[{language}] {len(items)}")
        lines.extend(items)
    lines.append("Run makemessages (see this module's docstring) and translate them.")
    return "\n".join(lines)


def test_the_source_has_messages(catalogues):
    for language, catalogue in catalogues.items():
        assert len(entries(catalogue)) > 100, f"{language}: suspiciously few messages"
        assert catalogue.metadata.get("Language") == language
        assert catalogue.metadata.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
        assert "charset=UTF-8" in catalogue.metadata.get("Content-Type", "")


def test_every_message_is_translated(catalogues):
    offending = {}
    for language, catalogue in catalogues.items():
        missing = []
        for entry in entries(catalogue):
            if entry.msgid_plural:
                values = list(entry.msgstr_plural.values())
                if len(values) < 2 or not all(value.strip() for value in values):
                    missing.append(describe(entry))
            elif not entry.msgstr.strip():
                missing.append(describe(entry))
        if missing:
            offending[language] = missing
    assert not offending, report("Messages without a translation", offending)


def test_no_message_is_fuzzy(catalogues):
    offending = {
        language: [describe(entry) for entry in entries(catalogue) if entry.fuzzy]
        for language, catalogue in catalogues.items()
    }
    offending = {language: items for language, items in offending.items() if items}
    assert not offending, report("Fuzzy (unchecked) translations", offending)


def test_translations_keep_the_placeholders(catalogues):
    offending = {}
    for language, catalogue in catalogues.items():
        wrong = []
        for entry in entries(catalogue):
            if entry.msgid_plural:
                pairs = [
                    (entry.msgid if int(index) == 0 else entry.msgid_plural, value)
                    for index, value in sorted(entry.msgstr_plural.items())
                ]
            else:
                pairs = [(entry.msgid, entry.msgstr)]
            for source, translation in pairs:
                if not translation:
                    continue  # reported by test_every_message_is_translated
                # Named placeholders may be reordered; the set must match exactly, since a
                # missing one loses information and an extra one fails at run time.
                if placeholders(entry, source) != placeholders(entry, translation):
                    wrong.append(f"{describe(entry)}\n    -> {translation!r}")
        if wrong:
            offending[language] = wrong
    assert not offending, report("Translations that change the placeholders", offending)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_catalogue_compiles_cleanly(language):
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        [shutil.which("msgfmt") or "msgfmt", "--check", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert not result.stderr.strip(), result.stderr
