"""Same inputs, same bytes: building a year twice gives identical HTML and PDF."""
from __future__ import annotations


def test_build_is_byte_reproducible(built_2024, simultaneous_2024, tmp_path):
    """``built_2024`` (two workers) and the year published by the two simultaneous builds (one worker
    each) are separate builds (separate commands, kernels and outputs folders) of the same inputs.

    The simultaneous builds write a placeholder for the PDF (tests/cli_without_pdf.py): the PDF is
    rendered again from the HTML, which the first loop shows to be the same in both builds.
    """
    from serviceprogram.publishing.render import html_to_pdf

    second_build = simultaneous_2024 / "out" / "2024"
    assert second_build.resolve() != built_2024.resolve()
    for name in ("uppfoljning-2024.html", "indikatorer-2024.csv", "uppfoljning-2024.xlsx",
                 "tjansteskrivelse-2024.docx", "tillganglighet-2024.html"):
        first = (built_2024 / name).read_bytes()
        second = (second_build / name).read_bytes()
        assert first == second, f"{name} differs between two builds"
    saved = sorted(p.relative_to(built_2024) for p in (built_2024 / "resultat").iterdir())
    assert len(saved) > 10 and saved == sorted(p.relative_to(second_build)
                                               for p in (second_build / "resultat").iterdir())
    for name in saved:  # the saved results too (serviceprogram.results)
        assert (built_2024 / name).read_bytes() == (second_build / name).read_bytes(), f"{name} differs"
    again = tmp_path / "uppfoljning-2024.pdf"
    html_to_pdf((second_build / "uppfoljning-2024.html").read_text(encoding="utf-8"), again)
    assert again.read_bytes() == (built_2024 / "uppfoljning-2024.pdf").read_bytes(), "the PDF differs"
