"""The tests' "no kernel left" check looks only at this test session's processes (issue 11)."""
from __future__ import annotations

import os
import subprocess
import sys

import psutil
from conftest import SESSION_VARIABLE, kernels

# Starts a look-alike kernel (its command line names ipykernel) detached from the launcher,
# which exits at once: the look-alike is then nobody's child in this session's tree.
LAUNCH = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "ipykernel_launcher"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
print(child.pid)
"""


def _detached(environment) -> psutil.Process:
    out = subprocess.run([sys.executable, "-c", LAUNCH], env=environment, capture_output=True, text=True,
                         timeout=60, check=True)
    return psutil.Process(int(out.stdout))


def test_kernels_ignores_other_sessions_but_finds_its_own_orphans():
    elsewhere = _detached({k: v for k, v in os.environ.items() if k != SESSION_VARIABLE})  # a JupyterLab, say
    orphan = _detached(dict(os.environ))  # left by this session, e.g. by a worker that died
    try:
        assert elsewhere.ppid() != os.getpid() and orphan.ppid() != os.getpid()
        found = kernels()
        assert orphan.pid in found
        assert elsewhere.pid not in found
    finally:
        for process in (elsewhere, orphan):
            process.kill()
