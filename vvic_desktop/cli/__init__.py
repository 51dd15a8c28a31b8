"""The `vvic` command: the headless twin of the GUI (DESIGN §6).

One module per subcommand; each has `register(subparsers)` which adds its parser and sets
`handler=fn(args) -> int`. Errors: a `VvicError` becomes one `error: …` line on stderr and
exit 2; an unexpected exception becomes `error: internal error …` (the traceback goes to
the log file, never to the terminal) and exit 1.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence

from vvic_desktop import __version__
from vvic_desktop.cli import (
    batch,
    config,
    group,
    library,
    prepare,
    purchase,
    sandbox,
    search,
)
from vvic_desktop.cli.common import add_common_options
from vvic_desktop.core import errors
from vvic_desktop.paths import AppPaths

# Subcommand modules, in the order `vvic --help` lists them.
COMMANDS = (prepare, search, batch, group, library, purchase, config, sandbox)

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE_OR_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

log = logging.getLogger("vvic_desktop.cli")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse's own usage errors: one line, exit 2, as for every other bad input.
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(EXIT_USAGE_OR_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vvic", description="以图找款 / image search for wholesale buyers")
    parser.add_argument("--version", action="version", version=f"vvic {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in COMMANDS:
        module.register(sub)
    add_common_options(parser, top=True)  # on every subcommand too: before or after it
    return parser


def paths_from(args: argparse.Namespace) -> AppPaths:
    return AppPaths.resolve(getattr(args, "data_dir", None))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # --help and usage errors end here, before any HTTP code
    from vvic_desktop.core.redact import install_excepthook_redaction, install_redaction

    install_redaction()
    install_excepthook_redaction()
    if args.lang:
        errors.set_language(args.lang)
    try:
        return int(args.handler(args) or 0)
    except errors.VvicError as exc:
        log.info("command failed: %s (%s)", exc.code, exc.detail)
        sys.stderr.write(f"error: {exc.message()}\n")
        return EXIT_USAGE_OR_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("error: " + errors.Cancelled().message() + "\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # never a traceback on the terminal
        _log_internal(args, exc)
        sys.stderr.write(
            f"error: internal error ({type(exc).__name__}); details were written to the log\n"
        )
        return EXIT_INTERNAL


def _log_internal(args: argparse.Namespace, exc: BaseException) -> None:
    from vvic_desktop.core.redact import redact

    try:
        logs = paths_from(args).logs
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / "vvic-cli.log", "a", encoding="utf-8") as fh:
            fh.write(redact("".join(traceback.format_exception(exc))))
    except OSError:
        pass


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
