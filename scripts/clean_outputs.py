"""``make clean``: remove the reports the tool built in an outputs folder, and nothing else.

Usage: python scripts/clean_outputs.py [OUT]   (default: outputs/)

See :func:`serviceprogram.build.folders.clean_outputs` for what counts as made by
the tool. Runs with the project's .venv or, before ``make setup``, with any
Python 3.11 (the package is then found in lib/).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from serviceprogram.build.folders import clean_outputs  # noqa: E402


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else ROOT / "outputs")
    if not out.is_dir():
        print(f"Utdatamappen {out} finns inte: inget att ta bort.")
        return 0
    removed, kept = clean_outputs(out)
    if removed:
        print(f"Borttaget ur {out}: " + ", ".join(p.relative_to(out).as_posix() for p in removed) + ".")
    else:
        print(f"Inget som verktyget har byggt finns i {out}.")
    if kept:
        print("Lämnas kvar eftersom verktyget inte har gjort det: "
              + ", ".join(p.relative_to(out).as_posix() for p in kept) + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
