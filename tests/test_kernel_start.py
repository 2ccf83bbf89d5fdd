"""A build kernel whose port another process took while it started is started again on new ports.

Seen on a loaded machine: jupyter_client picks free ports, writes them to the
connection file, and the kernel binds them a moment later. A second worker
starting its kernel at the same time (each process has its own port cache, see
jupyter_client issue 487) or any other program may bind one in between; the
kernel then dies with "Address already in use" and the build failed with
"Kernel died before replying to kernel_info".
"""
from __future__ import annotations

import socket

import pytest
from jupyter_client.connect import LocalPortCache
from serviceprogram.build import kernel


@pytest.fixture
def taken_port():
    """A local port held by "another process" (this test), listening."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def test_a_kernel_that_dies_on_a_taken_port_is_started_again(monkeypatch, taken_port):
    monkeypatch.setattr(kernel, "KERNEL_PRELOAD", ("os",))  # the package's imports are not needed here
    handed_out = []
    real = LocalPortCache.find_available_port

    def find(self, ip):
        port = taken_port if not handed_out else real(self, ip)  # the first kernel's first port is taken
        handed_out.append(port)
        return port

    monkeypatch.setattr(LocalPortCache, "find_available_port", find)
    kernel.shutdown_kernel()
    try:
        kernel.ReusedKernelEngine.ready()
        manager = kernel.ReusedKernelEngine.kernel_manager()
        from jupyter_core.utils import run_sync

        assert run_sync(manager.is_alive)(), "no kernel running after ready()"
        assert handed_out.count(taken_port) == 1 and len(handed_out) >= 10, handed_out  # two kernels' ports
        assert taken_port not in (manager.shell_port, manager.iopub_port, manager.stdin_port, manager.hb_port,
                                  manager.control_port)
    finally:
        kernel.shutdown_kernel()


def test_a_kernel_that_stays_dead_is_an_error_after_the_last_attempt(monkeypatch, taken_port):
    monkeypatch.setattr(kernel, "KERNEL_PRELOAD", ("os",))
    monkeypatch.setattr(LocalPortCache, "find_available_port", lambda self, ip: taken_port)
    kernel.shutdown_kernel()
    starts = []
    real_start = kernel.ReusedKernelEngine.start.__func__

    def start(cls):
        starts.append(1)
        real_start(cls)

    monkeypatch.setattr(kernel.ReusedKernelEngine, "start", classmethod(start))
    try:
        with pytest.raises(RuntimeError, match="died"):
            kernel.ReusedKernelEngine.ready()
        assert len(starts) == kernel.START_ATTEMPTS
    finally:
        kernel.shutdown_kernel()
