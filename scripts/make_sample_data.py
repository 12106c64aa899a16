"""Write the sample alliance (``alliance_lens.synth.generate_sample``) to ``sample_data/`` as CSV files.

Usage: ``python scripts/make_sample_data.py [OUT_DIR]`` (default: the repository's ``sample_data/``).
Writes through ``alliance_lens.interchange.write_path``, so the files are exactly what an export writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alliance_lens.interchange import write_path
from alliance_lens.synth import generate_sample

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else REPO / "sample_data"
    data = generate_sample()
    out.mkdir(parents=True, exist_ok=True)
    write_path(data, out)
    print(f"wrote the sample alliance to {out}: " + ", ".join(f"{n} {len(f)}" for n, f in data.tables().items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
