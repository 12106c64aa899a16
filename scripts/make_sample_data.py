"""Write the sample alliance (``alliance_lens.synth.generate_sample``) to ``sample_data/`` as CSV files.

Usage: ``python scripts/make_sample_data.py [OUT_DIR]`` (default: the repository's ``sample_data/``).
Uses ``alliance_lens.interchange.write_path`` when it exists, so the files are exactly what an export writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from alliance_lens.model import TABLES, AllianceData
from alliance_lens.synth import generate_sample

REPO = Path(__file__).resolve().parent.parent


def _plain_csv(data: AllianceData, out: Path) -> None:
    """Fallback writer: the contract's columns, ISO dates, whole numbers without a trailing ``.0``."""
    out.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        frame = data.table(name).copy()
        for col in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[col]):
                frame[col] = frame[col].dt.strftime("%Y-%m-%d").fillna("")
            elif pd.api.types.is_float_dtype(frame[col]):
                frame[col] = frame[col].map(lambda x: "" if pd.isna(x) else f"{x:g}")
        frame.to_csv(out / f"{name}.csv", index=False)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else REPO / "sample_data"
    data = generate_sample()
    try:
        from alliance_lens.interchange import write_path  # type: ignore[attr-defined]
    except ImportError:
        _plain_csv(data, out)
    else:
        out.mkdir(parents=True, exist_ok=True)
        write_path(data, out)
    print(f"wrote the sample alliance to {out}: " + ", ".join(f"{n} {len(f)}" for n, f in data.tables().items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
