"""HiGHS, kept quiet: the solver's C-level prints off stdout.

HiGHS (Huangfu & Hall, Math. Prog. Comput. 10, 119 (2018)) prints some
lines with C ``printf`` whatever its output flag: its banner the first time a
``highspy.Highs`` is made in a process, and some MIP diagnostics
(``HighsMipSolverData::transformNewIntegerFeasibleSolution``). Either would
land inside a table printed with ``--format csv``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import threading

import highspy
import numpy as np
from scipy import sparse


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


_FIRST = threading.Lock()
_banner_done = False


def quiet_highs() -> highspy.Highs:
    """A ``highspy.Highs`` with its logging off and its one-time banner discarded.

    Only the first one of a process prints the banner, so only its
    construction swaps stdout (under a lock: threads solving relay draws
    make theirs at the same time, and two swaps of file descriptor 1 must
    not interleave).
    """
    global _banner_done
    if not _banner_done:
        with _FIRST:
            if not _banner_done:
                with open(os.devnull, "w") as devnull, redirect_stdout_fd(devnull.fileno()):
                    highspy.Highs()
                _banner_done = True
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def load_model(h: highspy.Highs, cost, lower, upper, a=None, row_lower=None,
               row_upper=None) -> highspy.Highs:
    """Load ``min cost @ x``, ``lower <= x <= upper``, ``row_lower <= a @ x <= row_upper`` into ``h``.

    Bounds are scalars or arrays (``np.inf`` is HiGHS's infinity); ``a`` a
    scipy sparse matrix, or None for bounds only. The rows go in empty, then
    the columns with their entries (``addRows``, ``addCols``: numpy arrays
    pass straight through, where filling a ``HighsLp`` field by field
    converts most of them element by element, 4x slower for a relay LP).
    Returns ``h``.
    """
    cost = np.asarray(cost, dtype=float)
    n = len(cost)
    lower = np.broadcast_to(np.asarray(lower, dtype=float), n)
    upper = np.broadcast_to(np.asarray(upper, dtype=float), n)
    if a is not None and a.shape[0]:
        csc = sparse.csc_array(a)
        csc.sum_duplicates()
        m = csc.shape[0]
        none = np.zeros(0, dtype=np.int32)
        h.addRows(m, np.broadcast_to(np.asarray(row_lower, dtype=float), m),
                  np.broadcast_to(np.asarray(row_upper, dtype=float), m), 0, none, none,
                  np.zeros(0))
        h.addCols(n, cost, lower, upper, csc.nnz, csc.indptr[:-1].astype(np.int32),
                  csc.indices.astype(np.int32), csc.data)
    else:
        h.addCols(n, cost, lower, upper, 0, np.zeros(n, dtype=np.int32),
                  np.zeros(0, dtype=np.int32), np.zeros(0))
    return h


def status_message(h: highspy.Highs) -> str:
    """The model status of ``h`` as a line for a result's ``status``."""
    return f"HiGHS: {h.modelStatusToString(h.getModelStatus())}"


@dataclasses.dataclass(frozen=True)
class MilpResult:
    """Outcome of :func:`solve_milp`, read like :func:`scipy.optimize.milp`'s.

    ``status``: 0 optimal, 1 a limit reached (time, iterations; ``x`` is the
    best solution found, or None), 2 infeasible, 3 unbounded, 4 other.
    ``fun`` is the objective at ``x``, ``mip_dual_bound`` the proven bound
    (None for an LP or without one), ``message`` the solver's status.
    """

    x: np.ndarray | None
    fun: float
    status: int
    message: str
    mip_dual_bound: float | None


_STATUS = {highspy.HighsModelStatus.kOptimal: 0,
           highspy.HighsModelStatus.kTimeLimit: 1,
           highspy.HighsModelStatus.kIterationLimit: 1,
           highspy.HighsModelStatus.kSolutionLimit: 1,
           highspy.HighsModelStatus.kInterrupt: 1,
           highspy.HighsModelStatus.kInfeasible: 2,
           highspy.HighsModelStatus.kUnbounded: 3,
           highspy.HighsModelStatus.kUnboundedOrInfeasible: 3}


def solve_milp(cost, integrality, lower, upper, a=None, row_lower=None, row_upper=None, *,
               time_limit_s: float = np.inf, mip_rel_gap: float = 1e-4) -> MilpResult:
    """Minimise ``cost @ x`` subject to ``row_lower <= a @ x <= row_upper`` and bounds.

    ``integrality`` is 1 for integer columns, 0 for continuous ones; ``a`` a
    scipy sparse matrix (or None: bounds only); infinite bounds are free.
    Solved by HiGHS's branch and cut through ``highspy``, its prints kept off
    stdout (:func:`redirect_stdout_fd`).
    """
    h = load_model(quiet_highs(), cost, lower, upper, a, row_lower, row_upper)
    integer = np.asarray(integrality, dtype=int) > 0
    if integer.any():
        columns = np.flatnonzero(integer).astype(np.int32)
        h.changeColsIntegrality(len(columns), columns,
                                np.full(len(columns), highspy.HighsVarType.kInteger))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if np.isfinite(time_limit_s):
        h.setOptionValue("time_limit", float(time_limit_s))
    with redirect_stdout_fd(2):
        h.run()
    model_status = h.getModelStatus()
    status = _STATUS.get(model_status, 4)
    info = h.getInfo()
    has_x = info.primal_solution_status == 2  # a feasible point
    x = np.asarray(h.getSolution().col_value, dtype=float) if has_x else None
    bound = float(info.mip_dual_bound) if integer.any() and np.isfinite(info.mip_dual_bound) \
        else None
    return MilpResult(x, float(info.objective_function_value) if has_x else np.nan, status,
                      status_message(h), bound)
