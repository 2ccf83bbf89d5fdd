"""The report in a real browser: no external requests, no console errors, axe-core.

Needs Debian's chromium and axe-core from the npm registry (tests/browser/);
`make setup` installs both when run as root. Without them the tests are
skipped with the reason, never silently passed.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

MISSING = [what for what, ok in (("chromium", CHROMIUM), ("axe-core", AXE.is_file())) if not ok]
# In CI (run as root, where `make setup` installs both) a missing tool is a failure, not a skip.
REQUIRED = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module", autouse=True)
def _tools():
    if MISSING and REQUIRED:
        pytest.fail(f"CI saknar {', '.join(MISSING)}: `make setup` borde ha installerat dem")
    if MISSING:
        pytest.skip(f"{', '.join(MISSING)} saknas; installeras av `make setup` som root")


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        yield browser
        browser.close()


def open_page(browser, path: Path):
    """Load a file and record every request, console error and page error."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = {"requests": [], "errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    return page, seen


def test_report_is_self_contained_accessible_and_error_free(browser, built_2024):
    html = built_2024 / "uppfoljning-2024.html"
    page, seen = open_page(browser, html)
    external = [u for u in seen["requests"] if not u.startswith(("file://", "data:"))]
    assert external == [], f"requests leaving the file: {external}"
    assert seen["errors"] == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "uppfoljning-2024.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length}))")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    assert page.evaluate("document.documentElement.lang") == "sv"
    assert page.evaluate("document.querySelectorAll('h1').length") == 1
    assert page.evaluate("[...document.images].every(i => i.alt.trim().length > 20 && i.naturalWidth > 0)")
    page.close()
