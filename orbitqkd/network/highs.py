"""HiGHS, kept quiet: the solver's C-level prints off stdout.

HiGHS (Huangfu & Hall, Math. Prog. Comput. 10, 119 (2018)) prints some
lines with C ``printf`` whatever its output flag: its banner the first time a
``highspy.Highs`` is made in a process, and some MIP diagnostics
(``HighsMipSolverData::transformNewIntegerFeasibleSolution``). Either would
land inside a table printed with ``--format csv``.
"""

from __future__ import annotations

import contextlib
import os
import sys

import highspy


@contextlib.contextmanager
def redirect_stdout_fd(target_fd: int = 2):
    """Send the process's stdout (file descriptor 1) to ``target_fd`` while the block runs.

    Python's ``contextlib.redirect_stdout`` cannot catch a C library's
    ``printf``; this swaps the descriptor itself (stderr by default).
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (AttributeError, OSError, ValueError):  # no real stdout (embedded, captured)
        yield
        return
    try:
        os.dup2(target_fd, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def quiet_highs() -> highspy.Highs:
    """A ``highspy.Highs`` with its logging off and its one-time banner discarded."""
    with open(os.devnull, "w") as devnull, redirect_stdout_fd(devnull.fileno()):
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h
