"""The text templates as a writer edits them: checked before a build, named when they fail.

The report's, the what-if page's, the overview's and the memo's wording is in
``templates/sections/*.j2`` and ``templates/memo/*.j2``, so that a writer can
change it without touching Python. A slip there (an unclosed ``{% if %}``, a
misspelt variable) must not reach the analyst as "unexpected error":

- :func:`check_wording` compiles every such template while a build starts
  and raises one :class:`~serviceprogram.errors.WordingError` naming each
  broken file, its line and what jinja2 says;
- :func:`wording_error` turns a template error that happened while a notebook
  ran (a variable the template uses but is not given) into the same error,
  naming the template and line from what the notebook reported.

Caveat: the syntax and the filters are checked beforehand; a misspelt variable
is found when the sentence is written, and then the build stops with the
template named.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from jinja2 import TemplateSyntaxError

from ..errors import WordingError

__all__ = ["TEMPLATE_ERRORS", "check_wording", "wording_error"]

#: jinja2's exceptions for a template that cannot be read or filled in (their class names, as a
#: notebook's traceback names them).
TEMPLATE_ERRORS = ("TemplateSyntaxError", "TemplateAssertionError", "UndefinedError", "TemplateRuntimeError",
                   "TemplateNotFound")
_ERROR = re.compile(r"\b(" + "|".join(TEMPLATE_ERRORS) + r")\b:?([^\n]*)")
# A template's frame as Python prints it ('…/x.j2", line 11') and as IPython does ('…/x.j2:11').
_FRAME = re.compile(r"(templates[/\\][\w/\\.]+\.j2)(?:\", line |:)(\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_ADVICE = ("Rätta mallen (bara texten utanför {{ }} och {% %} är fri att ändra) eller hämta den "
           "levererade versionen från git.")


def _templates_root() -> Path:
    return Path(__file__).resolve().parents[1] / "templates"


def check_wording() -> None:
    """Compile every template of ``templates/sections/`` and ``templates/memo/`` (once per text).

    Raises
    ------
    WordingError
        Naming every template that does not compile, with its line and jinja2's message.
    """
    from .memo.words import sentence_environment
    from .report_base import environment

    root = _templates_root()
    # The memo's whole-page templates (memo.document) are checked in the sentence environment too:
    # its settings differ only in white space, which compiling does not depend on.
    checks = [(path, environment(), f"sections/{path.name}") for path in sorted(root.glob("sections/*.j2"))]
    checks += [(path, sentence_environment(), path.name) for path in sorted(root.glob("memo/*.j2"))]
    broken, sources = [], []
    for path, env, name in checks:
        try:
            sources.append((env, name, path, env.loader.get_source(env, name)[0]))
        except UnicodeDecodeError:  # e.g. saved as "ANSI" in Notepad
            broken.append(f"{path}: filen är inte sparad som UTF-8 (spara den med kodningen UTF-8)")
    digest = hashlib.sha256("\0".join(source for *_, source in sources).encode("utf-8")).hexdigest()
    if not broken and digest in _CHECKED:
        return  # the same texts as checked before in this process (a batch of builds, the tests)
    for env, name, path, source in sources:
        try:  # compiling checks the syntax and the filters' names (0.3 s for all)
            env.compile(source, name, str(path))
        except TemplateSyntaxError as exc:  # TemplateAssertionError (an unknown filter) included
            broken.append(f"{path}, rad {exc.lineno}: {exc.message}")
    if broken:
        raise WordingError("En textmall kan inte läsas:\n" + "\n".join(broken) + "\n" + _ADVICE)
    _CHECKED.add(digest)


_CHECKED: set[str] = set()  # digests of the template texts that compiled


def wording_error(report: str) -> WordingError | None:
    """The :class:`WordingError` for a notebook's template error, or None for any other error.

    Parameters
    ----------
    report : str
        What the notebook reported about the error: its traceback, or the text IPython printed
        instead (IPython cannot format a traceback through a template's frames and prints a plain
        one). jinja2 puts the template's file and line into it.
    """
    text = _ANSI.sub("", report)
    errors = _ERROR.findall(text)
    if not errors:
        return None
    name, message = errors[-1]
    frames = _FRAME.findall(text)
    where = f"{_templates_root().parent / frames[-1][0]}, rad {frames[-1][1]}: " if frames else ""
    return WordingError(f"En textmall kan inte fyllas i: {where}{name}: {message.strip()}\n{_ADVICE}")
