"""The documents say what the code does: the flag tables in docs/operations.md match the real
argument parsers, and every relative link in the README and docs/ leads to a file (and heading)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from desktop.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
BENCH_README = ROOT / "tests" / "bench" / "README.md"
DOCUMENTS = [ROOT / "README.md", BENCH_README, *sorted((ROOT / "docs").rglob("*.md"))]

# A flag that takes no value (`--announce`) is "off" until given; one that only prints and exits
# (`--version`) has no default at all; a repeatable one (`--allow-host`) starts with none.
NO_VALUE = "off"
NO_DEFAULT = "—"
NONE_GIVEN = "none"


def lanchat_parser() -> argparse.ArgumentParser:
    return build_parser()


def command_parser(name: str) -> argparse.ArgumentParser:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices[name]


def serve_parser() -> argparse.ArgumentParser:
    return command_parser("serve")


def migrate_parser() -> argparse.ArgumentParser:
    return command_parser("migrate")


def admin_parser() -> argparse.ArgumentParser:
    return command_parser("admin")


PARSERS = {
    "`lanchat` flags": lanchat_parser,
    "`lanchat serve` flags": serve_parser,
    "`lanchat migrate` flags": migrate_parser,
    "`lanchat admin` flags": admin_parser,
}


def options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Each documented option by its long name; --help is argparse's own and not in the tables."""
    return {
        action.option_strings[-1]: action
        for action in parser._actions
        if action.option_strings and not isinstance(action, argparse._HelpAction)
    }


def table_rows(heading: str) -> dict[str, tuple[str, str]]:
    """The rows of the table under `## heading`: flag -> (first cell, default cell)."""
    section = OPERATIONS.read_text(encoding="utf-8").split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[str, str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `--"):
            flag = cells[0].strip("`").split()[0]
            assert flag not in rows, f"{flag} is in the table twice"
            rows[flag] = (cells[0], cells[1])
    return rows


def expected_first_cell(flag: str, action: argparse.Action) -> str:
    if action.nargs == 0:
        return f"`{flag}`"
    metavar = action.metavar or action.dest.upper()
    return f"`{flag} {metavar}`"


def default_matches(action: argparse.Action, cell: str) -> bool:
    if isinstance(action, argparse._VersionAction):
        return cell == NO_DEFAULT
    if action.nargs == 0:
        return cell == NO_VALUE
    if action.default == []:
        return cell == NONE_GIVEN
    if action.default is None:
        # Worked out at start (a folder of the platform's, the machine's name): said in words.
        return bool(cell) and cell not in (NO_DEFAULT, NONE_GIVEN, NO_VALUE)
    literal = re.fullmatch(r"`([^`]+)`", cell)
    if literal is None:
        return False
    if isinstance(action.default, (int, float)):
        return float(literal.group(1)) == float(action.default)
    return literal.group(1) == str(action.default)


@pytest.mark.parametrize("heading", PARSERS)
def test_every_flag_of_the_command_is_in_its_table_with_its_default(heading):
    rows = table_rows(heading)
    for flag, action in options(PARSERS[heading]()).items():
        assert flag in rows, f"{flag} is missing from the table under '{heading}' in docs/operations.md"
        first, default = rows[flag]
        assert first == expected_first_cell(flag, action), f"{flag}: the table says {first}"
        assert default_matches(action, default), (
            f"{flag}: the default is {action.default!r}, the table says {default!r}"
        )


@pytest.mark.parametrize("heading", PARSERS)
def test_the_table_names_no_flag_the_command_does_not_have(heading):
    unknown = set(table_rows(heading)) - set(options(PARSERS[heading]()))
    assert not unknown, f"docs/operations.md '{heading}' names flags that do not exist: {sorted(unknown)}"


def admin_verbs_documented() -> set[str]:
    """The first word of each row of the verb table under `lanchat admin` flags."""
    section = OPERATIONS.read_text(encoding="utf-8").split("\n## `lanchat admin` flags\n", 1)[1]
    section = section.split("\n## ", 1)[0].split("| verb | what it does |", 1)[1].split("\n\n", 1)[0]
    return {
        line.strip("| `").split()[0].strip("`") for line in section.splitlines()[2:] if line.startswith("| `")
    }


def test_every_admin_verb_is_in_the_verb_table_and_no_other():
    verbs = next(a for a in admin_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert admin_verbs_documented() == set(verbs.choices)


def test_the_tables_are_found_at_all():
    # A renamed heading would make the checks above pass on an empty table.
    assert len(table_rows("`lanchat serve` flags")) >= 20
    assert len(table_rows("`lanchat` flags")) >= 5


# --- links ---

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)


def links(document: Path) -> list[str]:
    """Link targets outside code (a code span may show Markdown syntax as an example)."""
    text = CODE_SPAN.sub("", FENCED.sub("", document.read_text(encoding="utf-8")))
    return LINK.findall(text)


def anchors(document: Path) -> set[str]:
    """The heading anchors GitHub makes: lower case, punctuation dropped, spaces as hyphens."""
    seen: dict[str, int] = {}
    result = set()
    for line in FENCED.sub("", document.read_text(encoding="utf-8")).splitlines():
        if not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().replace("`", "").lower()
        slug = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(document):
    broken = []
    for target in links(document):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:: not ours to check offline
        path_part, _, fragment = target.partition("#")
        path = (document.parent / path_part).resolve() if path_part else document
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            broken.append(f"{target}: no such heading in {path.name}")
    assert not broken, f"{document.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_link_check_sees_links():
    assert "docs/operations.md" in links(ROOT / "README.md")
