"""Drive `make lab` as the analyst does: open a notebook, Run All, look at it.

Usage: .venv/bin/python scripts/check_lab.py [notebooks/uppfoljning.ipynb] [--screenshot FIL]

Starts `make lab` (as root too), opens the notebook in JupyterLab with
Playwright and Debian's chromium, runs every cell, waits for the kernel, saves
the notebook as autosave would, takes a screenshot and checks:

- no "Select Kernel" dialog appears;
- no cell shows an error or a warning (stderr output), and every output of a
  code cell is rendered as HTML (no raw text/plain);
- `git status` of the notebook stays clean after the save (the git filter in
  scripts/git-notebook-filter.sh).

Exit status 0 when all hold, 1 otherwise (each failure printed). Needs the
python package playwright (a dev dependency) and chromium (`make setup`).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"make lab avslutades med kod {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(1)
    raise SystemExit("JupyterLab svarade inte inom två minuter")


def git_status(path: Path) -> str:
    return subprocess.run(["git", "status", "--porcelain", "--", str(path)], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", default="notebooks/uppfoljning.ipynb")
    parser.add_argument("--screenshot", default="tests/artifacts/jupyterlab.png")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for Run All")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    notebook = (ROOT / args.notebook).resolve()
    relative = notebook.relative_to(ROOT / "notebooks").as_posix()
    before = git_status(notebook)
    port, token = free_port(), "check-lab"
    env = dict(os.environ, JUPYTER_PORT=str(port), JUPYTER_TOKEN=token, BROWSER="true")
    log = open(ROOT / "tests" / "artifacts" / "jupyterlab.log", "w", encoding="utf-8")
    lab = subprocess.Popen(["make", "--no-print-directory", "lab"], cwd=ROOT, env=env, stdout=log,
                           stderr=subprocess.STDOUT)
    failures = []
    try:
        wait_for(f"http://127.0.0.1:{port}/api/status?token={token}", lab)
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROME_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            console = []
            page.on("console", lambda m: m.type in ("error", "warning") and console.append(f"{m.type}: {m.text}"))
            page.goto(f"http://127.0.0.1:{port}/lab/tree/{relative}?reset&token={token}")  # a fresh workspace
            # the current tab (JupyterLab may restore other notebooks of the last session beside it)
            notebook_panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
            page.wait_for_selector(f"{notebook_panel} .jp-Notebook", timeout=120_000)
            # the kernel starts by itself: the default kernel is named in the notebook and by make lab
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
            if page.locator(".jp-Dialog").count():
                failures.append("en dialogruta öppnades: " + page.locator(".jp-Dialog").inner_text())
            page.locator(f"{notebook_panel} .jp-Notebook").click()
            page.keyboard.press("Escape")
            started = "() => [...document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)')" \
                      ".querySelectorAll('.jp-InputPrompt')].some(e => /\\d|\\*/.test(e.textContent))"
            for attempt in range(3):  # a busy machine may swallow the first click on the menu
                page.locator(".lm-MenuBar-item", has_text="Run").first.click()
                page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
                try:
                    page.wait_for_function(started, timeout=30_000)
                    break
                except Exception:
                    page.keyboard.press("Escape")
            else:
                failures.append("Run All Cells startade inga celler")
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=args.timeout * 1000)
            page.wait_for_function("() => ![...document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)').querySelectorAll('.jp-InputPrompt')]"
                                   ".some(e => e.textContent.includes('*'))", timeout=args.timeout * 1000)
            if page.locator(".jp-Dialog").count():
                failures.append("en dialogruta öppnades: " + page.locator(".jp-Dialog").inner_text())
            page.keyboard.press("Control+s")
            page.wait_for_timeout(3000)
            counts = page.evaluate("""() => { const root = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)'); return {
                cells: root.querySelectorAll('.jp-CodeCell').length,
                html: root.querySelectorAll('.jp-OutputArea-output.jp-RenderedHTMLCommon').length,
                text: [...root.querySelectorAll('.jp-OutputArea-output[data-mime-type="text/plain"]')]
                        .map(e => e.textContent.slice(0, 120)),
                stderr: [...root.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
                        .map(e => e.textContent.slice(0, 300)),
                errors: [...root.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')]
                        .map(e => e.textContent.slice(0, 300)),
                kernelDialog: [...document.querySelectorAll('.jp-Dialog')].map(e => e.textContent.slice(0, 200)),
            }; }""")
            print(f"celler med kod: {counts['cells']}, utdata som HTML: {counts['html']}")
            for kind, label in (("text", "utdata som rå text"), ("stderr", "varning"), ("errors", "fel"),
                                ("kernelDialog", "dialogruta")):
                for item in counts[kind]:
                    failures.append(f"{label}: {item}")
            page.evaluate("() => document.querySelector('.jp-WindowedPanel-outer, .jp-Notebook').scrollTo(0, 0)")
            Path(ROOT / args.screenshot).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ROOT / args.screenshot))
            print(f"skärmbild: {args.screenshot}")
            for line in console:
                print("konsolen:", line)
            browser.close()
    finally:
        # the server's own shutdown (portable; make then exits by itself)
        try:
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/api/shutdown?token={token}",
                                                          method="POST"), timeout=10)
        except OSError:
            pass
        try:
            lab.wait(timeout=60)
        except subprocess.TimeoutExpired:
            lab.kill()
        log.close()
    after = git_status(notebook)
    if after != before:
        failures.append(f"git status ändrades efter sparandet: {after!r}")
    lab_log = (ROOT / "tests" / "artifacts" / "jupyterlab.log").read_text(encoding="utf-8")
    for line in lab_log.splitlines():
        if "Running as root" in line or "[W " in line:
            print("make lab:", line)
    for failure in failures:
        print("FEL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
