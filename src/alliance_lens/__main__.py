"""``python -m alliance_lens …`` is the ``alliance-lens`` command (for environments without the console script)."""

from __future__ import annotations

from alliance_lens.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
