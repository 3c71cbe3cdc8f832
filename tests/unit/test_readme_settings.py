"""The README's configuration table names every setting the code reads, and nothing it does not:
a variable added to bot/config.py without a README row (or a row left after one was removed)
fails here."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _table_variables() -> set[str]:
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_every_setting_has_a_readme_row_and_every_row_a_setting() -> None:
    read = {(field.alias or name).upper() for name, field in Settings.model_fields.items()}
    assert _table_variables() == read
