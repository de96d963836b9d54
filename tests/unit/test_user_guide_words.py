"""The user guide's "In the words of the UI" quotes the UI's labels in English and Russian: every
quoted label must be one the UI shows (a string of ui/src/locales/en.js or ru.js), so a renamed
button cannot leave the guide describing one that no longer exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "user-guide.md"
LOCALES = ROOT / "ui" / "src" / "locales"

# A single-quoted JavaScript string; the locale files quote nothing else (their keys are bare).
JS_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def shown_strings(locale: str) -> set[str]:
    """Every string of the locale, each plural form on its own, placeholders as "{}"."""
    source = (LOCALES / f"{locale}.js").read_text(encoding="utf-8")
    strings = set()
    for raw in JS_STRING.findall(source):
        text = raw.replace("\\'", "'").replace("\\\\", "\\")
        for form in text.split(" | "):
            strings.add(PLACEHOLDER.sub("{}", form.strip()))
    return strings


def section(heading: str) -> str:
    """The guide's text under `### heading`, up to the next heading of any level."""
    guide = GUIDE.read_text(encoding="utf-8")
    start = guide.index(f"\n### {heading}\n")
    end = re.compile(r"\n#{2,3} ").search(guide, start + 1)
    assert end is not None
    return guide[start : end.start()]


def is_shown(label: str, strings: set[str]) -> bool:
    label = " ".join(label.split())  # a label wrapped across lines of the guide
    label = PLACEHOLDER.sub("{}", label.removeprefix("+ "))
    # "Not sent: …" stands for the label with its reason: 'Not sent: {reason}'.
    return label in strings or (label.endswith("…") and label[:-1].rstrip() + " {}" in strings)


@pytest.mark.parametrize(
    ("heading", "locale", "quoted"),
    [("English", "en", r"\"([^\"]+)\""), ("Русский", "ru", r"«([^»]+)»")],
)
def test_every_label_the_guide_quotes_is_one_the_ui_shows(heading, locale, quoted):
    strings = shown_strings(locale)
    labels = re.findall(quoted, section(heading))
    assert len(labels) > 50, "the section quotes the UI's labels"
    assert [label for label in labels if not is_shown(label, strings)] == []


def test_the_guide_covers_replies_reactions_mentions_search_files_and_direct_messages_in_both_languages():
    english, russian = section("English"), section("Русский")
    for topic in ("Reply", "Reactions", "Mentions", "Search", "Files", "Direct messages"):
        assert f"**{topic}**" in english
    for topic in ("Ответ", "Реакции", "Упоминания", "Поиск", "Файлы", "Личные сообщения"):
        assert f"**{topic}**" in russian
