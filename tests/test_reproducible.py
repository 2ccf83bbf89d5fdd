"""Same inputs, same bytes: building a year twice gives identical HTML and PDF."""
from __future__ import annotations


def test_build_is_byte_reproducible(built_2024, simultaneous_2024):
    """``built_2024`` (two workers) and the year published by the two simultaneous builds (one worker
    each) are separate builds (separate commands, kernels and outputs folders) of the same inputs."""
    second_build = simultaneous_2024 / "out" / "2024"
    assert second_build.resolve() != built_2024.resolve()
    for name in ("uppfoljning-2024.html", "uppfoljning-2024.pdf", "indikatorer-2024.csv",
                 "uppfoljning-2024.xlsx", "tjansteskrivelse-2024.docx", "tillganglighet-2024.html"):
        first = (built_2024 / name).read_bytes()
        second = (second_build / name).read_bytes()
        assert first == second, f"{name} differs between two builds"
