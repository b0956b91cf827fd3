"""The ``orbitqkd`` command line: a thin layer over the library.

One module per command group (:mod:`.passes`, :mod:`.budget`, :mod:`.keyrate`,
:mod:`.network`, :mod:`.export`), options shared through :mod:`.options`.
Every :class:`~orbitqkd.errors.OrbitQKDError` becomes one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import sys
import warnings

import typer

from typing import Annotated

from .. import __version__
from ..errors import OrbitQKDError
from . import app as _app_module
from .app import app  # commands are registered when their module is loaded (app.COMMANDS)


def _print_version(value: bool):
    if value:
        typer.echo(f"orbitqkd {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False):
    """Satellite QKD planning: passes, link budgets, secret key, schedules and trusted relays.

    Conventions of every command: README "Conventions".
    """


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    typer.echo(f"warning: {message}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``orbitqkd`` console script; returns the exit status."""
    warnings.showwarning = _one_line_warning
    _app_module.RUN_ARGV[:] = list(sys.argv[1:] if argv is None else argv)
    # click's exceptions, whether typer vendors click (typer >= 0.20) or uses it
    click_error = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    click_exceptions = sys.modules[click_error.__module__]
    no_args = getattr(click_exceptions, "NoArgsIsHelpError", ())
    aborted = (KeyboardInterrupt, typer.Abort, getattr(click_exceptions, "Abort", typer.Abort))
    try:
        # not standalone: option errors come back here and become one line too
        status = app(args=argv, prog_name="orbitqkd", standalone_mode=False)
    except OrbitQKDError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except no_args:  # let typer print its help as usual
        try:
            app(args=argv, prog_name="orbitqkd")
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 2
        return 2
    except click_error as exc:
        typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
        return exc.exit_code
    except aborted:
        typer.echo("interrupted", err=True)
        return 130
    except (UnicodeError, OSError) as exc:  # an input or output the checks did not foresee
        typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
        return 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    if status == 130:  # typer turns Ctrl-C into exit status 130
        typer.echo("interrupted", err=True)
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
