"""Rewrite the settings table of docs/deploy.md from LensConfig (tests/test_config.py checks they agree).

Usage: .venv/bin/python scripts/update_settings_table.py
"""

from __future__ import annotations

import re
from pathlib import Path

from alliance_lens.config import LensConfig

BEGIN, END = "<!-- settings table: generated from LensConfig, do not edit by hand -->", "<!-- end of settings table -->"
DOC = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{LensConfig.settings_table()}\n{END}"
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n## Every setting\n\n" + _INTRO + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


_INTRO = (
    "Every setting is one traitlet of `alliance_lens.config.LensConfig`, read from its environment variable "
    "(a command's flag wins over it). This table is generated: after adding a setting run "
    "`.venv/bin/python scripts/update_settings_table.py`."
)

if __name__ == "__main__":
    main()
