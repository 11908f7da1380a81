"""The English interface: the catalogue translates every string the code marks, keeps
their placeholders, is current and compiled; English visitors read the public pages in
English, Chinese visitors in Chinese, and the officials' admin stays Chinese."""

import ast
import gettext
import re
import shutil
import subprocess
from collections import Counter
from datetime import date
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from .factories import ReportFactory, TargetFactory
from .pages import PUBLIC_PAGES

REPO = Path(settings.BASE_DIR)
PO = REPO / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What `makemessages` is told to skip: not the project's own strings.
IGNORED = [".venv", "node_modules", "var", "tests"]
# Placeholders and markup a translation must carry over unchanged.
KEPT = re.compile(r"%\(\w+\)[sd]|%%|%[sd]|\{\w*\}|<[^>]+>")


def read_po(path):
    """The entries of a .po file, header left out: dicts of msgid, msgid_plural,
    msgstr or msgstr[n], and flags. Enough for files written by gettext's own tools."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and entry.get("msgid"):
                entries.append(entry)
            entry = key = None
            continue
        if entry is None:
            entry = {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def translations(entry):
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def msgids(path):
    return {(entry["msgid"], entry.get("msgid_plural")) for entry in read_po(path)}


# The catalogue


def test_every_string_in_the_english_catalogue_is_translated():
    entries = read_po(PO)
    assert len(entries) > 100  # a parse that found nothing would pass the rest
    assert [e["msgid"] for e in entries if not all(translations(e))] == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    assert "\n#~ " not in PO.read_text(encoding="utf-8"), "obsolete entries left in"
    assert [e["msgid"] for e in entries if "msgid_plural" in e and len(translations(e)) != 2] == []


def test_msgfmt_finds_the_english_catalogue_complete_and_well_formed():
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: install gettext (apt-get install gettext)"
    result = subprocess.run(  # noqa: S603 - gettext's own checker on our file
        [msgfmt, "--check", "--statistics", "--output-file=/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(read_po(PO))} translated messages." in result.stderr
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


def test_the_catalogue_header_declares_english_plurals_and_utf8():
    header = PO.read_text(encoding="utf-8").split("\n\n")[0]
    assert '"Language: en\\n"' in header
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header
    assert "fuzzy" not in header


def test_translations_keep_the_placeholders_and_markup_of_the_chinese():
    for entry in read_po(PO):
        expected = Counter(KEPT.findall(entry["msgid"]))
        for translation in translations(entry):
            assert Counter(KEPT.findall(translation)) == expected, entry["msgid"]


def test_the_english_catalogue_lists_exactly_the_strings_the_code_marks(
    tmp_path, settings, monkeypatch
):
    """makemessages on a copy of the project finds nothing new and nothing gone. On a copy
    because, run in the project itself, makemessages writes into its ./locale whatever
    LOCALE_PATHS says."""
    copy = tmp_path / "project"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(*IGNORED, ".*", "__pycache__"))
    fresh = copy / PO.relative_to(REPO)
    fresh.unlink()  # so the catalogue compared is the one makemessages writes now
    monkeypatch.chdir(copy)
    settings.LOCALE_PATHS = [copy / "locale"]
    call_command(
        "makemessages", locale=["en"], no_location=True, ignore_patterns=IGNORED, verbosity=0
    )
    current = msgids(fresh)
    committed = msgids(PO)
    assert sorted(current - committed) == [], "marked in the code, missing from the catalogue"
    assert sorted(committed - current) == [], "in the catalogue, no longer in the code"


def test_the_compiled_catalogue_is_compiled_from_the_current_po():
    with MO.open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    for entry in read_po(PO):
        if "msgid_plural" in entry:
            plural = entry["msgid"], entry["msgid_plural"]
            assert compiled.ngettext(*plural, 1) == entry["msgstr[0]"], entry["msgid"]
            assert compiled.ngettext(*plural, 2) == entry["msgstr[1]"], entry["msgid"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]


def test_git_does_not_ignore_the_compiled_catalogue():
    """The .mo is committed: a deployment compiles nothing."""
    path = MO.relative_to(REPO)
    names = [*path.parts, *(str(parent) for parent in path.parents if str(parent) != ".")]
    patterns = [
        line.strip().strip("/")
        for line in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    ]
    assert [p for p in patterns if any(fnmatch(name, p) for name in names)] == []


# The pages

# The same interface strings in both languages; none of them is in the test data.
ENGLISH = ["How it is calculated", "Completed", "Lead department", "Expected progress"]
CHINESE = ["计算方法", "已完成", "牵头单位", "序时进度"]
PAGES = ["/", "/plans/2021/projects/1/"]


@pytest.fixture
def completed_project(plan):
    target = TargetFactory(project__plan=plan, project__number=1, target_value=100)
    ReportFactory(target=target, value=100, as_of=date(2021, 6, 30))
    return target.project


@pytest.mark.parametrize("url", PAGES)
def test_an_english_visitor_reads_the_public_pages_in_english(client, completed_project, url):
    client.get("/language/en/")
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html
    for english in ENGLISH:
        assert english in html
    for chinese in CHINESE:
        assert chinese not in html


@pytest.mark.parametrize("url", PAGES)
def test_a_visitor_who_chose_nothing_reads_the_public_pages_in_chinese(
    client, completed_project, url
):
    html = client.get(url).content.decode()
    assert '<html lang="zh-Hans">' in html
    for chinese in CHINESE:
        assert chinese in html
    for english in ENGLISH:
        assert english not in html


def test_the_admin_stays_chinese_for_a_visitor_who_chose_english(client, db):
    client.get("/language/en/")
    html = client.get(reverse("admin:login")).content.decode()
    assert '<html lang="zh-hans"' in html
    assert 'value="登录"' in html
    assert "Log in" not in html


# Punctuation of Chinese text, which the English interface writes the English way.
FULL_WIDTH = re.compile("[：（）、，。]")
READ = {"alt", "aria-label", "title"}  # attributes a screen reader reads out
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class VisibleText(HTMLParser):
    """The text a visitor reads or hears (text nodes; alt, aria-label and title), less
    scripts, styles and elements marked as Chinese (lang="zh-Hans": what the site
    publishes in Chinese whatever the language)."""

    def __init__(self):
        super().__init__()
        self.texts = []
        self.hidden = []  # the open elements inside a hidden one, innermost last

    def handle_starttag(self, tag, attrs):
        chinese = (dict(attrs).get("lang") or "").lower().startswith("zh")
        if self.hidden or chinese or tag in ("script", "style"):
            if tag not in VOID:  # void elements have no end tag to pop them
                self.hidden.append(tag)
        else:
            self.texts += [value for name, value in attrs if name in READ and value]

    def handle_endtag(self, tag):
        if self.hidden and self.hidden[-1] == tag:
            self.hidden.pop()

    def handle_data(self, data):
        if not self.hidden:
            self.texts.append(data)


def entered_by_officials():
    """Every line of text stored in the app's tables (titles, names, units, notes,
    captions…): it stays as the officials typed it, Chinese punctuation included.
    Longest first, so that a title inside a note goes with the note."""
    lines = set()
    for model in apps.get_app_config("projects").get_models():
        fields = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField)) and not field.choices
        ]
        for row in model.objects.values_list(*fields) if fields else []:
            lines.update(line.strip() for value in row if value for line in value.splitlines())
    return sorted(lines - {""}, key=len, reverse=True)


def test_english_pages_have_no_chinese_punctuation_outside_what_officials_typed(client, demo):
    client.get("/language/en/")
    entered = entered_by_officials()
    found = {}
    for path in PUBLIC_PAGES:
        parser = VisibleText()
        parser.feed(client.get(path).content.decode())
        text = "\n".join(parser.texts)
        for line in entered:
            text = text.replace(line, "")
        found[path] = [line.strip() for line in text.splitlines() if FULL_WIDTH.search(line)]
    assert {path: lines for path, lines in found.items() if lines} == {}


# Third-party apps in the Chinese admin

THIRDPARTY_PO = REPO / "locale_thirdparty" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def axes_msgids(tmp_path):
    """Every string django-axes marks for translation, as xgettext reads its code."""
    source = Path(apps.get_app_config("axes").path)
    out = tmp_path / "axes.pot"
    keywords = [f"--keyword={k}" for k in ("_", "gettext", "gettext_lazy", "pgettext:1c,2")]
    files = sorted(str(p) for p in source.rglob("*.py") if "migrations" not in p.parts)
    subprocess.run(  # noqa: S603
        [
            shutil.which("xgettext"),
            "--language=Python",
            "--from-code=UTF-8",
            *keywords,
            "--output",
            str(out),
            *files,
        ],
        check=True,
    )
    return {entry["msgid"] for entry in read_po(out)}


def test_every_string_django_axes_marks_has_its_chinese(tmp_path):
    chinese = {entry["msgid"]: entry["msgstr"] for entry in read_po(THIRDPARTY_PO)}
    marked = axes_msgids(tmp_path)
    assert "access attempts" in marked  # xgettext read the models
    assert sorted(marked - chinese.keys()) == []
    assert [msgid for msgid in marked if not chinese[msgid]] == []


def test_the_compiled_thirdparty_catalogue_is_compiled_from_its_po():
    with THIRDPARTY_PO.with_suffix(".mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    entries = read_po(THIRDPARTY_PO)
    assert entries
    for entry in entries:
        assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]


def test_the_admin_index_names_the_login_lockout_in_chinese(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "登录保护" in html
    assert "登录失败记录" in html
    assert "登录日志" in html
    for english in ("Axes", "Access attempts", "Access failures", "Access logs"):
        assert english not in html
