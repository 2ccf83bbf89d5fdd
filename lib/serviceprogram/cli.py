"""The command line: ``serviceprogram init``, ``report``, ``validate``, ``template`` and ``new-year``.

Exit status: 0 success, 1 invalid data (every problem listed), 2 wrong usage
(or a folder that cannot be written), 3 an unexpected internal error (a bug:
one Swedish line on the screen, the details in the build log), 130 interrupted
with Ctrl-C, 143 stopped by SIGTERM (nothing half-built is published in either case).
"""
from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path

from .errors import DataError, Problem, ServiceprogramError, Terminated, UsageError

__all__ = ["EXIT_INTERRUPTED", "EXIT_TERMINATED", "parser", "plural", "MAX_SHOWN", "format_problems",
           "user_log_file", "COMMANDS", "main"]

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C
EXIT_TERMINATED = 143  # the shell's code for SIGTERM (128 + 15)

# argparse's own messages, in Swedish (Python ships no Swedish catalogue for them).
_ARGPARSE_SV = (
    ("the following arguments are required", "följande argument krävs"),
    ("unrecognized arguments", "okända argument"),
    ("invalid choice", "ogiltigt val"),
    ("choose from", "välj bland"),
    ("expected one argument", "ett värde krävs"),
    ("argument ", "argument "),
)


def _year(text: str) -> int:
    if not text.isdigit() or len(text) != 4:
        raise argparse.ArgumentTypeError(f"ogiltigt år: {text!r} (ange fyra siffror, t.ex. 2024)")
    return int(text)


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"ogiltigt antal processer: {text!r} (1–64)")
    return int(text)


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        # argparse passes prefix="" when it builds a subcommand's name: keep that empty,
        # or the subcommand's help would start "användning: användning:".
        super().add_usage(usage, actions, groups, "användning: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "argument"
        self._optionals.title = "flaggor"
        self.add_argument("-h", "--help", action="help", help="visa den här hjälpen och avsluta")

    def error(self, message):
        for english, swedish in _ARGPARSE_SV:
            message = message.replace(english, swedish)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: fel: {message}\n")


def parser() -> argparse.ArgumentParser:
    """The argument parser (Swedish help texts)."""
    main = _Parser(prog="serviceprogram", description="Uppföljning av regionalt serviceprogram.",
                   epilog="Utan --data-dir används miljövariabeln SERVICEPROGRAM_DATA_DIR eller projektets data/.")
    sub = main.add_subparsers(dest="command", required=True, parser_class=_Parser, title="kommandon",
                              metavar="{init,report,validate,template,new-year}")

    init = sub.add_parser("init", help="skapa en ny datamapp för ett län (program.toml och årets arbetsbok)")
    init.add_argument("folder", type=Path, metavar="MAPP", help="den nya datamappen (får inte finnas, eller vara tom)")
    init.add_argument("--lan", required=True,
                      help="länet: länskod (t.ex. 25), länets namn (Norrbottens län) eller regionens namn")
    init.add_argument("--year", type=_year, default=None, help="första uppföljningsåret (standard: i år)")
    init.add_argument("--folkmangd", type=Path, default=None, metavar="FIL",
                      help="CSV-fil med kommunkod och folkmangd per kommun (SCB:s \"Folkmängd per kommun 31 december\")")

    report = sub.add_parser("report", help="bygg rapporter (HTML, PDF, indikatorer) per år")
    report.add_argument("--data-dir", type=Path, default=None, help="datamappen (standard: SERVICEPROGRAM_DATA_DIR eller projektets data/)")
    report.add_argument("--out", type=Path, default=None, help="utdatamappen (standard: projektets outputs/)")
    report.add_argument("--year", type=_year, action="append", help="år att bygga; kan upprepas (standard: alla)")
    report.add_argument("--force", action="store_true", help="bygg om även år vars underlag inte har ändrats")
    report.add_argument("--jobs", type=_jobs, default=None, help="antal parallella processer (standard: antal kärnor)")

    validate = sub.add_parser("validate", help="kontrollera datamappen och lista alla fel och varningar")
    validate.add_argument("--data-dir", type=Path, default=None, help="datamappen (standard: SERVICEPROGRAM_DATA_DIR eller projektets data/)")
    validate.add_argument("--year", type=_year, action="append", help="år att kontrollera; kan upprepas")
    validate.add_argument("--xlsx", type=Path, default=None,
                          help="skriv också fel och varningar till en Excel-fil (att skicka till en kommun)")

    template = sub.add_parser("template", help="skapa en Excel-mall <år>/uppfoljning.xlsx att fylla i")
    template.add_argument("--year", type=_year, required=True, help="året mallen gäller")
    template.add_argument("--data-dir", type=Path, default=None,
                          help="datamappen (krävs, eller miljövariabeln SERVICEPROGRAM_DATA_DIR)")
    template.add_argument("--force", action="store_true", help="skriv över en befintlig mall (uppgifterna i den försvinner)")
    template.add_argument("--keep-data", action="store_true",
                          help="gör om årets uppgifter (CSV-filer eller arbetsboken) till en ny arbetsbok utan att "
                               "något går förlorat; de gamla filerna flyttas till <år>/tidigare-<n>/")

    new_year = sub.add_parser("new-year", help="starta ett nytt år från föregående års underlag")
    new_year.add_argument("year", type=_year, help="det nya året")
    new_year.add_argument("--data-dir", type=Path, default=None,
                          help="datamappen (krävs, eller miljövariabeln SERVICEPROGRAM_DATA_DIR)")

    compare = sub.add_parser("jamfor-osm", help="jämför årets serviceplatser med OpenStreetMap-utdraget i "
                                               "vagnat/ och lista platser som saknas (en arbetsbok att granska)")
    compare.add_argument("--data-dir", type=Path, default=None, help="datamappen (standard: projektets data/)")
    compare.add_argument("--year", type=_year, required=True, help="året vars serviceplatser jämförs")
    compare.add_argument("--out", type=Path, default=None,
                         help="arbetsboken som skrivs (standard: jamfor-osm-<år>.xlsx i utdatamappen); "
                              "aldrig i datamappen")
    return main


_WORDS = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv")


def plural(count: int, singular: str, plural_form: str, neuter: bool = False) -> str:
    """``en varning``, ``tre varningar``, ``ett fel``, ``14 fel``: up to twelve in words, as in
    :func:`serviceprogram.text.count_text` (kept here so the command starts without babel)."""
    word = ("ett" if neuter and count == 1 else _WORDS[count]) if 0 <= count <= 12 else str(count)
    return f"{word} {singular if count == 1 else plural_form}"


# At most this many problems are printed on the screen; ``validate --xlsx`` writes all.
MAX_SHOWN = 200


def format_problems(problems: list[Problem], limit: int | None = MAX_SHOWN) -> str:
    """Problems as a readable Swedish listing: errors first, grouped per file.

    Parameters
    ----------
    problems : list of Problem
    limit : int or None
        Print at most this many (errors before warnings) and then a count of
        the rest; None prints all.
    """
    lines = []
    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    left = len(problems) if limit is None else limit
    for heading, group in (("Fel", errors), ("Varningar", warnings)):
        if not group or left <= 0:
            continue
        lines.append(f"{heading} ({len(group)}):")
        current = None
        shown, left = group[:left], left - len(group[:left])
        for p in shown:
            if p.file != current:
                current = p.file
                lines.append(f"  {p.file}")
            where = []
            if p.row is not None:
                where.append(f"rad {p.row}")
            if p.column:
                where.append(f"kolumn {p.column}")
            shown_value = p.value if p.value is None or len(p.value) <= 200 else p.value[:200] + "…"
            value = f" värde {shown_value!r}:" if shown_value is not None else ""
            lines.append(f"    {', '.join(where) or 'filen'}:{value} {p.rule}")
    hidden = len(problems) - (len(problems) if limit is None else min(limit, len(problems)))
    if hidden:
        lines.append(f"… och {hidden} till som inte visas här ({len(problems)} sammanlagt). Alla står i "
                     "Excel-filen från serviceprogram validate --xlsx FIL.xlsx.")
    return "\n".join(lines)


def _log_file(out: Path):
    """Append-only build log in ``OUT/logs/``; returns the logging handler."""
    import logging

    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(logs / "serviceprogram.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("serviceprogram")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger, handler


_received: list = []  # the signals _announce_interrupt has handled in this process


def _terminated(exc: BaseException) -> bool:
    """True when the interrupt came from SIGTERM rather than Ctrl-C."""
    return isinstance(exc, Terminated) or (hasattr(signal, "SIGTERM") and signal.SIGTERM in _received)


def _caused_by_interrupt(exc: BaseException) -> bool:
    """True when ``exc`` wraps the KeyboardInterrupt of a signal this process handled.

    Python wraps an interrupt that lands in some places (a class body being
    created during an import, say) in another exception; it is still Ctrl-C.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return bool(_received)
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _settle_interrupt() -> None:
    """Make the interrupt handled in :func:`main` final, so that its exit status (130 or 143) stands.

    CPython 3.11 remembers a KeyboardInterrupt that left code run from a
    string (``dataclasses`` makes the methods of every dataclass that way
    while a module is imported, so Ctrl-C during an import can do it). Run
    as ``python -m``, the interpreter then ends by SIGINT after ``main`` has
    returned, whatever it returned. Running a string that succeeds clears
    that memory (``run_eval_code_obj`` in CPython's ``pythonrun.c``).
    """
    eval("None")  # a constant: only the side effect on the interpreter matters


@contextlib.contextmanager
def _announce_interrupt():
    """Say at once that Ctrl-C or SIGTERM was heard: the build then stops its workers and removes what is unpublished.

    SIGTERM (``kill``, a service manager stopping the build) is handled as
    Ctrl-C and raises :class:`Terminated`. Windows delivers no SIGTERM from
    other processes; the handler is installed only where the signal exists.
    """
    def interrupted(signum, frame):
        _received.append(signum)  # libraries may raise a plain KeyboardInterrupt again on the way up
        signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)
        print("\nAvbryter: pågående delar avslutas och det halvfärdiga tas bort …", file=sys.stderr)
        raise KeyboardInterrupt if signum == signal.SIGINT else Terminated

    signals = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    previous = {}
    for number in signals:
        with contextlib.suppress(ValueError, OSError):  # not the main thread, or not settable here
            previous[number] = signal.signal(number, interrupted)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class _Progress:
    """The build's progress on the terminal and in the log: a bar over the years, a line per year built."""

    def __init__(self, logger):
        from tqdm import tqdm

        self.tqdm = tqdm
        self.logger = logger
        self.bar = None

    def __call__(self, event, year, result=None, total=0):
        if event == "start":
            if self.bar is None:
                self.bar = self.tqdm(total=total, desc="Bygger", unit="år", file=sys.stderr,
                                     disable=total < 2, leave=False)
            self.bar.set_postfix_str("program" if year == 0 else str(year))
            return
        label = "Programöversikt" if year == 0 else str(year)
        line = (f"{label}: klart på {result.seconds:.1f} s, {len(result.files)} filer i {result.folder}"
                + (f", {plural(result.warnings, 'varning', 'varningar')}" if result.warnings else ""))
        self.logger.info(line)
        (self.bar.write if self.bar is not None else print)(line)
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _report_out_dir(args) -> Path:
    """The outputs folder of ``report``, checked and marked as this data folder's (``args.data_dir`` resolved)."""
    from .build import folders
    from .build.engine import check_years
    from .inputs.program import load_program
    from .paths import default_out_dir, resolve_data_dir

    data_dir = resolve_data_dir(args.data_dir)
    program = load_program(data_dir)
    print(f"Datamapp: {data_dir} ({program.region})")
    out = (args.out or default_out_dir(data_dir)).expanduser().resolve()
    # Checked before anything is written (the log included): see serviceprogram.build.folders.
    folders.check_out_dir(out, data_dir)
    folders.check_identity(out, program, data_dir)
    folders.check_targets(out, [str(y) for y in check_years(data_dir, args.year)]
                          + ([] if args.year else ["program"]))
    out.mkdir(parents=True, exist_ok=True)
    folders.record_identity(out, program, data_dir)
    args.data_dir = data_dir
    return out


def _report(args) -> int:
    from .build.engine import build_years
    from .paths import resolve_data_dir

    out = _report_out_dir(args)
    logger, handler = _log_file(out)
    progress = _Progress(logger)
    try:
        logger.info("Bygger %s från %s till %s", args.year or "alla år", resolve_data_dir(args.data_dir), out)
        with _announce_interrupt():
            results = build_years(args.data_dir, out, args.year, progress=progress, jobs=args.jobs,
                                  force=args.force)
    except Exception as exc:
        if _caused_by_interrupt(exc):
            logger.error("Bygget avbröts med Ctrl-C eller SIGTERM")
            raise (Terminated if _terminated(exc) else KeyboardInterrupt)() from exc
        if isinstance(exc, ServiceprogramError):
            logger.error("Bygget avbröts: %s", exc)
        else:  # a bug: the whole traceback goes to the log, one line to the screen (see main)
            logger.exception("Bygget avbröts: oväntat fel")
            exc.serviceprogram_log = out / "logs" / "serviceprogram.log"
        raise
    finally:
        progress.close()
        logger.removeHandler(handler)
        handler.close()
    built = [r for r in results if not r.skipped and r.year]
    skipped = [str(r.year) for r in results if r.skipped]
    if skipped:
        line = f"Oförändrat underlag, inget att bygga för {', '.join(skipped)} (--force bygger ändå)."
        logger.info(line)
        print(line)
    print(f"Byggde {len(built)} år till {out}. Logg: {out / 'logs' / 'serviceprogram.log'}")
    return EXIT_OK


def _validate(args) -> int:
    from .analysis.checks import validate_years
    from .build.engine import check_years
    from .inputs.newregion import explain_program_problems
    from .paths import resolve_data_dir

    folder = resolve_data_dir(args.data_dir)
    if args.xlsx:
        from .build.folders import check_problems_workbook

        args.xlsx = check_problems_workbook(args.xlsx, folder)  # before any work: never over input or a user's file
    print(f"Datamapp: {folder}")
    years = check_years(folder, args.year)
    found = validate_years(folder, years)
    problems = sorted(set(explain_program_problems(folder, {p for ps in found.values() for p in ps})),
                      key=Problem.sort_key)
    if problems:
        print(format_problems(problems))
    if args.xlsx:
        from .publishing.workbooks import write_problems_workbook

        print(f"Fel och varningar sparade i {write_problems_workbook(problems, args.xlsx)}")
    if not any((folder / name / "befolkning.csv").is_file() for name in ("", *map(str, years))):
        print("Notering: befolkningspunkter (befolkning.csv) saknas. Rapporterna byggs ändå, men utan analysen "
              "av tillgången till service; de säger var befolkningsdata finns (SCB:s befolkningsrutnät).")
    errors = sum(p.is_error for p in problems)
    if errors:
        print(f"\nUnderlaget har {plural(errors, 'fel', 'fel', neuter=True)}. "
              f"Rätta {'det' if errors == 1 else 'dem'} och kör igen.")
        return EXIT_DATA
    print(f"Underlaget för {', '.join(map(str, years))} följer datakontraktet"
          + (f" ({plural(len(problems), 'varning', 'varningar')})." if problems else "."))
    return EXIT_OK


def _writing_data_dir(args):
    """The data folder of a command that writes into it: never the example's by default.

    ``template`` and ``new-year`` write into the data folder, so they need it
    named: ``--data-dir`` or the environment variable. Without either they would
    write into the project's example ``data/``.
    """
    import os

    from .paths import DATA_DIR_ENV, resolve_data_dir

    if args.data_dir is None and not os.environ.get(DATA_DIR_ENV):
        raise UsageError(
            f"Ange datamappen med --data-dir MAPP (eller miljövariabeln {DATA_DIR_ENV}). "
            f"{args.command} skriver i datamappen, och utan --data-dir skulle det bli projektets exempeldata. "
            "En ny datamapp skapas med: serviceprogram init MAPP --lan LÄNSKOD")
    return resolve_data_dir(args.data_dir)


def _template(args) -> int:
    from .analysis.checks import load_checked_year
    from .inputs.template import command_line, write_template

    folder = _writing_data_dir(args)
    path = write_template(folder, args.year, force=args.force, keep_data=args.keep_data, load=load_checked_year)
    done = "Arbetsboken är skapad med årets uppgifter" if args.keep_data else "Mallen är skapad"
    print(f"{done}: {path}\nFyll i bladen och kör sedan: "
          + command_line("serviceprogram", "validate", "--data-dir", folder, "--year", args.year))
    return EXIT_OK


def _new_year(args) -> int:
    from .analysis.checks import load_checked_year
    from .inputs.newyear import describe, new_year
    from .inputs.template import command_line

    folder = _writing_data_dir(args)
    print(describe(new_year(folder, args.year, load=load_checked_year)))
    print("Kontrollera året med: " + command_line("serviceprogram", "validate", "--data-dir", folder,
                                                   "--year", args.year))
    return EXIT_OK


def user_log_file() -> Path:
    """The log of ``validate``, ``template`` and ``new-year``: the user's log folder.

    ``platformdirs.user_log_dir("serviceprogram")``: on Linux
    ``~/.local/state/serviceprogram/log/``, on Windows
    ``%LOCALAPPDATA%\\serviceprogram\\Logs\\``; never the data folder.
    """
    from platformdirs import user_log_dir

    return Path(user_log_dir("serviceprogram")) / "serviceprogram.log"


def _log_internal_error(command: str):
    """Write the current exception's traceback to :func:`user_log_file`; return its path (or a note)."""
    import traceback

    path = user_log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            import datetime as dt

            handle.write(f"{dt.datetime.now().isoformat(timespec='seconds')} ERROR {command}: oväntat fel\n")
            handle.write(traceback.format_exc())
    except OSError:
        return "(loggen kunde inte skrivas)"
    return path


def _init(args) -> int:
    from .inputs.newregion import describe, init_region

    print(describe(init_region(args.folder, args.lan, args.year, args.folkmangd)))
    return EXIT_OK


def _compare_osm(args) -> int:
    from .analysis.checks import load_checked_year
    from .analysis.roads import compare_osm
    from .analysis.roads.settings import load_settings
    from .paths import default_out_dir, resolve_data_dir

    folder = resolve_data_dir(args.data_dir)
    out = args.out or default_out_dir(folder) / f"jamfor-osm-{args.year}.xlsx"
    from .build.folders import check_output_file

    # before any work: never over input or a user's file
    target = check_output_file(out, folder, "--out", "jamfor-osm.xlsx", compare_osm.is_own_workbook,
                               "ingen jämförelse som verktyget har skrivit", require_xlsx=True)
    settings = load_settings(folder)
    if settings is None or settings.is_gpkg:
        raise UsageError(f"Datamappen {folder} har inget OpenStreetMap-utdrag (.osm.pbf) i mappen vagnat/. "
                         "Jämförelsen behöver ett sådant; lägg länets utdrag där, se docs/vagnat.md.")
    data = load_checked_year(folder, args.year)
    from .inputs.geo.borders import municipality_borders

    osm = compare_osm.read_places(settings.path)
    result = compare_osm.compare(osm, data.tables["serviceplatser"], args.year,
                                 municipality_borders(data.program, folder))
    about = compare_osm.about_rows(result, settings.path.name, args.year, folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    compare_osm.write_workbook(result, target, about)
    print(f"Jämförelse med {settings.path.name} för {args.year}: {len(result.missing)} platser i OpenStreetMap "
          f"saknas i serviceplatser, {len(result.unknown)} serviceplatser finns inte i OpenStreetMap och "
          f"{len(result.matched)} har matchats.")
    print(f"Arbetsboken sparades i {target}")
    return EXIT_OK


COMMANDS = {"init": _init, "report": _report, "validate": _validate, "template": _template,
            "new-year": _new_year, "jamfor-osm": _compare_osm}


def main(argv=None) -> int:
    """Run the command line; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except DataError as exc:
        print(format_problems(exc.problems), file=sys.stderr)
        print(f"\nUnderlaget har {plural(len(exc.errors), 'fel', 'fel', neuter=True)}; inga rapportfiler har skrivits "
              "(bara byggloggen i utdatamappens logs/).", file=sys.stderr)
        return EXIT_DATA
    except UsageError as exc:
        print(f"serviceprogram: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ServiceprogramError as exc:
        print(f"serviceprogram: {exc}", file=sys.stderr)
        return EXIT_DATA
    except KeyboardInterrupt as exc:
        _settle_interrupt()
        done = (" Det som inte hann bli klart har inte publicerats; tidigare rapporter är orörda."
                if args.command == "report" else "")
        how = "avslutat på begäran (SIGTERM)" if _terminated(exc) else "avbrutet"
        print(f"\nserviceprogram: {how}.{done}", file=sys.stderr)
        return EXIT_TERMINATED if _terminated(exc) else EXIT_INTERRUPTED
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"serviceprogram: kan inte läsa eller skriva{where} ({exc.strerror or exc}).", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: one line for the analyst, the traceback in the log
        log = getattr(exc, "serviceprogram_log", None) or _log_internal_error(args.command)
        print(f"serviceprogram: oväntat fel ({type(exc).__name__}). Hela felbeskrivningen finns i "
              f"loggen {log}; rapportera felet.", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
