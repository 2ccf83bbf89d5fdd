"""The build's papermill engine: every notebook of a process runs in one kernel, started once.

Starting a kernel and importing the package in it costs more than running a
report notebook. :class:`ReusedKernelEngine` is registered in papermill's
engine registry as ``"serviceprogram"``; it owns this process's kernel
manager, starts the kernel on first use (or earlier, :func:`start_kernel`,
while the build validates the data), hands the same kernel to every notebook
and shuts it down when the process ends or a build fails. Each notebook
starts with a cell that resets the kernel's namespace (:data:`RESET_TAG`), so
it runs as from a fresh start with the package already imported.

State is per process: a forked worker does not inherit its parent's kernel
(the engine checks the process id), a spawned worker starts with none.
"""
from __future__ import annotations

import atexit
import os
from pathlib import Path

from ..jupyter_imports import without_iri_checker
from ..paths import notebooks_dir

without_iri_checker()  # before papermill imports nbformat (see serviceprogram.jupyter_imports)
from papermill.engines import NBClientEngine, papermill_engines  # noqa: E402

__all__ = ["ENGINE_NAME", "KERNEL_PRELOAD", "RESET_TAG", "START_ATTEMPTS", "READY_TIMEOUT", "ReusedKernelEngine",
           "execute", "shutdown_kernel", "start_kernel"]

ENGINE_NAME = "serviceprogram"
RESET_TAG = "serviceprogram-reset"
# Imported by each build kernel while it starts (pandera, pyproj and scipy are
# imported lazily by the package), so the first notebook does not pay for them.
KERNEL_PRELOAD = ("serviceprogram.publishing.report", "serviceprogram.publishing.whatif",
                  "serviceprogram.publishing.overview", "serviceprogram.inputs.schemas", "pyproj", "scipy.spatial")
# A kernel that dies while it starts is started again on new ports, up to this many times in all.
# jupyter_client picks free ports and writes them to the connection file; the kernel binds them
# a moment later. In between another process may take one (the second worker starting its kernel
# at the same time, another build, a JupyterLab): the kernel then dies with "Address already in
# use" before it answers. Seen on a loaded machine; nothing the analyst could do about it.
START_ATTEMPTS = 3
# Seconds a starting kernel may take to answer (it imports the package): generous, for a loaded laptop.
READY_TIMEOUT = 600


def _kernel_manager_class():
    """A kernel manager that encrypts the local kernel connection when it can.

    ipykernel warns on every start when its ZMQ sockets run over plain TCP;
    ``transport_encryption = "auto"`` uses CurveZMQ keys when available.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class EncryptedKernelManager(AsyncKernelManager):
        @default("transport_encryption")
        def _default_transport_encryption(self):
            return "auto"

    return EncryptedKernelManager


class ReusedKernelEngine(NBClientEngine):
    """papermill's nbclient engine, with this process's kernel passed to every notebook."""

    _manager = None
    _pid: int | None = None
    _answered = None  # the manager whose kernel has answered once

    @classmethod
    def kernel_manager(cls):
        """This process's kernel manager, made on first use."""
        if cls._pid != os.getpid():
            from multiprocessing import util

            cls._manager, cls._pid = _kernel_manager_class()(kernel_name="python3"), os.getpid()
            util.Finalize(None, cls.shutdown, exitpriority=10)  # forked workers skip atexit
            atexit.register(cls.shutdown)
        return cls._manager

    @classmethod
    def start(cls) -> None:
        """Launch the kernel now, without waiting for it to be ready (papermill finds it running)."""
        from jupyter_core.utils import run_sync

        km = cls.kernel_manager()
        if not km.has_kernel:
            run_sync(km.start_kernel)(cwd=str(notebooks_dir()),
                                      extra_arguments=[f"--IPKernelApp.exec_lines=import {', '.join(KERNEL_PRELOAD)}"])

    @classmethod
    def ready(cls) -> None:
        """Start this process's kernel if needed and wait until it answers.

        A kernel that died before answering is replaced by a new one on new
        ports (see :data:`START_ATTEMPTS`); one that is alive but silent for
        :data:`READY_TIMEOUT` seconds is an error.
        """
        from jupyter_core.utils import run_sync

        for attempt in range(1, START_ATTEMPTS + 1):
            cls.start()
            km = cls._manager
            if cls._answered is km:
                return
            client = km.client()
            client.start_channels()
            try:
                run_sync(client.wait_for_ready)(timeout=READY_TIMEOUT)
                cls._answered = km
                return
            except RuntimeError:
                if attempt == START_ATTEMPTS or run_sync(km.is_alive)():
                    raise
                cls.shutdown()  # the next attempt makes a new manager, which picks new ports
            finally:
                client.stop_channels()

    @classmethod
    def shutdown(cls) -> None:
        """Stop this process's kernel, if it has one; the next notebook starts a new one."""
        km, pid = cls._manager, cls._pid
        cls._manager, cls._pid, cls._answered = None, None, None
        if km is not None and pid == os.getpid() and km.has_kernel:
            from jupyter_core.utils import run_sync

            run_sync(km.shutdown_kernel)(now=True)

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        cls.ready()
        kwargs["km"] = cls.kernel_manager()
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


papermill_engines.register(ENGINE_NAME, ReusedKernelEngine)

start_kernel = ReusedKernelEngine.start
shutdown_kernel = ReusedKernelEngine.shutdown


def execute(notebook: Path, executed: Path, parameters: dict):
    """Run ``notebook`` with papermill's ``serviceprogram`` engine; return the executed notebook.

    A first cell (tagged :data:`RESET_TAG`, left out of the report) empties the
    kernel's namespace. The notebook's stored outputs are cleared first: they
    belong to the example, not to this build. ``parameters`` are written by
    papermill with ``repr``: nothing a user passes can become code. A text
    template that fails in the notebook is raised as a
    :class:`~serviceprogram.errors.WordingError` naming it
    (:func:`serviceprogram.publishing.wording.wording_error`).
    """
    import nbformat
    import papermill

    nb = nbformat.read(notebook, as_version=4)
    reset = nbformat.v4.new_code_cell('get_ipython().run_line_magic("reset", "-f")  # bygget återanvänder kärnan',
                                      metadata={"tags": [RESET_TAG]})
    reset.id = RESET_TAG
    nb.cells.insert(0, reset)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    try:
        papermill.execute_notebook(nb, str(executed), parameters=parameters, cwd=str(notebook.parent),
                                   kernel_name="python3", engine_name=ENGINE_NAME, progress_bar=False,
                                   log_output=False)
    except papermill.PapermillExecutionError as exc:  # a writer's slip in a text template is named
        error = _wording_error(exc, executed)
        if error is None:
            raise
        raise error from None
    return nbformat.read(executed, as_version=4)


def _wording_error(exc, executed: Path):
    """The :class:`~serviceprogram.errors.WordingError` a failed notebook stands for, or None."""
    from ..errors import WordingError
    from ..publishing.wording import wording_error

    if exc.ename == "WordingError":  # already named in the notebook (e.g. a block a writer removed)
        return WordingError(exc.evalue)
    return wording_error(_error_report(exc, executed))


def _error_report(exc, executed: Path) -> str:
    """What the failed notebook reported: papermill's traceback, and what the failed cell printed on
    stderr (IPython prints a plain traceback there when it cannot format one, as for jinja2's frames)."""
    import nbformat

    parts = [exc.ename or "", exc.evalue or "", *(exc.traceback or [])]
    try:
        nb = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):
        return "\n".join(parts)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("papermill", {}).get("exception"):
            parts += [out.get("text", "") for out in cell.get("outputs", []) if out.get("name") == "stderr"]
    return "\n".join(parts)
