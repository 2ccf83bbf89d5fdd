"""Same inputs, same bytes: building a year twice gives identical HTML and PDF."""
from __future__ import annotations

from conftest import DATA, run_cli


def test_build_is_byte_reproducible(built_2024, tmp_path):
    result = run_cli("report", "--data-dir", DATA, "--out", tmp_path, "--year", 2024, "--force")
    assert result.returncode == 0, result.stderr
    for name in ("uppfoljning-2024.html", "uppfoljning-2024.pdf", "indikatorer-2024.csv",
                 "uppfoljning-2024.xlsx", "tjansteskrivelse-2024.docx", "tillganglighet-2024.html"):
        first = (built_2024 / name).read_bytes()
        second = (tmp_path / "2024" / name).read_bytes()
        assert first == second, f"{name} differs between two builds"
    saved = sorted(p.relative_to(built_2024) for p in (built_2024 / "resultat").iterdir())
    assert len(saved) > 10 and saved == sorted(p.relative_to(tmp_path / "2024")
                                               for p in (tmp_path / "2024" / "resultat").iterdir())
    for name in saved:  # the saved results too (serviceprogram.results)
        assert (built_2024 / name).read_bytes() == (tmp_path / "2024" / name).read_bytes(), f"{name} differs"
