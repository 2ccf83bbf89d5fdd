"""Test only: count the access analyses that every process of a build runs.

``conftest.built_2024`` puts this folder first on ``PYTHONPATH`` and names a
file in ``SERVICEPROGRAM_COUNT_ACCESS``; every Python process the build
starts (the command, its workers, their Jupyter kernels) then appends one line
``<year> <pid>`` to that file per :meth:`AccessFigures.compute` call
(``tests/test_results.py`` reads it).
"""
import os

if os.environ.get("SERVICEPROGRAM_COUNT_ACCESS"):
    try:
        from serviceprogram.publishing import report as _report
    except Exception:  # noqa: BLE001 - not this project's interpreter: count nothing
        _report = None
    if _report is not None:
        _original = _report.AccessFigures.compute.__func__

        def _counted(cls, data):
            with open(os.environ["SERVICEPROGRAM_COUNT_ACCESS"], "a", encoding="utf-8") as handle:
                handle.write(f"{data.year} {os.getpid()}\n")
            return _original(cls, data)

        _report.AccessFigures.compute = classmethod(_counted)
