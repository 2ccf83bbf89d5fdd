"""``make clean`` removes what the tool built and never a file of the user's (issue 11)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT
from serviceprogram.build import cache, folders
from serviceprogram.build import engine as build


def _outputs(out):
    """An outputs folder as a build leaves it, plus things of the user's."""
    for name in ("2023", "2024", "program"):
        (out / name).mkdir(parents=True)
        (out / name / cache.MANIFEST).write_text("{}", encoding="utf-8")
        (out / name / f"rapport-{name}.html").write_text("<p>rapport</p>", encoding="utf-8")
    (out / "logs").mkdir()
    (out / "logs" / "serviceprogram.log").write_text("logg\n", encoding="utf-8")
    (out / folders.IDENTITY_FILE).write_text(json.dumps({"region": "X"}), encoding="utf-8")
    (out / build.LOCK_FILE).write_text("", encoding="utf-8")
    (out / ".gitkeep").write_text("", encoding="utf-8")
    stale = out / ".2024-bygge-0123456789abcdef"  # left by a build killed outright
    stale.mkdir()
    (stale / build.STAGING_MARKER).write_text("{}", encoding="utf-8")


def _users(out):
    """A note, a folder without a manifest, a note inside logs/ and a link: none made by the tool."""
    (out / "anteckningar.txt").write_text("mina anteckningar", encoding="utf-8")
    (out / "2025").mkdir()
    (out / "2025" / "utkast.docx").write_bytes(b"utkast")
    (out / "logs" / "mina.txt").write_text("egen", encoding="utf-8")
    elsewhere = out.parent / "annat"
    elsewhere.mkdir()
    (elsewhere / cache.MANIFEST).write_text("{}", encoding="utf-8")
    (out / "lank").symlink_to(elsewhere, target_is_directory=True)
    return elsewhere


def _make_clean(out):
    if not shutil.which("make"):
        pytest.skip("make finns inte")
    return subprocess.run(["make", "--no-print-directory", "clean", f"OUT={out}", f"PYTHON={sys.executable}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_make_clean_keeps_every_file_of_the_users(tmp_path):
    out = tmp_path / "ut"
    out.mkdir()
    _outputs(out)
    elsewhere = _users(out)
    result = _make_clean(out)
    assert result.returncode == 0, result.stderr
    left = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert left == [".gitkeep", ".serviceprogram.json", ".serviceprogram.lock", "2025", "2025/utkast.docx",
                    "anteckningar.txt", "lank", "logs", "logs/mina.txt"]
    assert (out / "anteckningar.txt").read_text(encoding="utf-8") == "mina anteckningar"
    assert (elsewhere / cache.MANIFEST).is_file()  # a link is never followed
    assert "anteckningar.txt" in result.stdout and "Lämnas kvar" in result.stdout


def test_make_clean_empties_a_folder_of_built_reports(tmp_path):
    out = tmp_path / "ut"
    out.mkdir()
    _outputs(out)
    result = _make_clean(out)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [".gitkeep"]
    assert "Borttaget" in result.stdout and "Lämnas kvar" not in result.stdout


def test_clean_spares_the_staging_folder_of_a_running_build(tmp_path):
    out = tmp_path / "ut"
    out.mkdir()
    _outputs(out)
    running = out / ".2025-bygge-fedcba9876543210"
    running.mkdir()
    (running / build.STAGING_MARKER).write_text("{}", encoding="utf-8")
    holder = subprocess.Popen([sys.executable, "-c", "import sys\nfrom filelock import FileLock\n"
                               "l = FileLock(sys.argv[1]); l.acquire(); print('ok', flush=True); sys.stdin.read()",
                               str(out / f"{running.name}.lock")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        removed, kept = folders.clean_outputs(out)
        assert running.is_dir() and running in kept
        assert not (out / ".2024-bygge-0123456789abcdef").exists()
    finally:
        holder.communicate("", timeout=30)
