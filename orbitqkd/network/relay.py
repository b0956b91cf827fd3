"""Trusted-relay key forwarding over satellites and fibre, as a flow over time.

Every QKD link (a served satellite pass, a fibre link) creates *pairwise*
secret key between its two ends. A trusted node ``R`` holding key ``k_AR``
with ``A`` and ``k_RB`` with ``B`` publishes ``k_AR XOR k_RB``; ``B`` recovers
``k_AR``, now shared with ``A``, consuming as many bits of each link key. A
satellite is such a node: it stores key made with station A until it meets B
(Liao et al., PRL 120, 030501 (2018); Chen et al., Nature 589, 214 (2021)).

Model: multi-commodity flow over time (Ford & Fulkerson, Oper. Res. 6, 419
(1958); Skutella, "An introduction to network flows over time", in *Research
Trends in Combinatorial Optimization*, Springer 2009, pp. 451-482), written as
a linear programme on a time-expanded network.

Periods. The horizon is cut into slots of ``time_step_s``; a pass lands in the
slot of its culmination. Every slot holding a pass is a period of its own; the
idle slots between are merged into one period each (only fibre works there,
and with unbounded ground storage the merge is exact).

Variables, for commodity (demand) ``c = (a_c, b_c)``, link ``e = {u, v}`` and
period ``t``:

* ``f[c,e,t,u->v] >= 0``: bits of ``c`` relayed across ``e`` in ``t`` in that
  direction (never into ``a_c`` nor out of ``b_c``). A satellite link may
  carry flow only in periods the satellite is in contact with some station
  (it must be reachable to publish its XOR), from its first key on ``e`` on.
* ``p[e,t] >= 0``: unused key of link ``e`` carried from ``t`` to its next
  period (the link's key pool; starts empty).
* ``h[c,n,t] >= 0``: key of ``c`` held at trusted node ``n`` (``n`` shares it
  with ``a_c``) from ``t`` to ``n``'s next period (every period for ground
  nodes; contact periods for satellites).

Constraints:

* pools (causality): ``p[e,t] <= p[e,t-] + g[e,t] - sum_c (f[c,e,t,->] +
  f[c,e,t,<-])`` (key left over may be discarded) with ``g[e,t]`` the key made on ``e`` in ``t`` (a pass's
  expected key; fibre rate times the period's length), ``p[e,-] = 0``. Key is
  used only after it exists and never twice.
* conservation at every trusted node ``n`` not an end of ``c``:
  ``h[c,n,t-] + inflow[c,n,t] = outflow[c,n,t] + h[c,n,t]``.
* key store of satellite ``S`` in each contact period:
  ``sum_{e at S} p[e,t] + sum_c h[c,S,t] <= K_S``; ground stores are
  ``ground_store_bits`` (default unbounded).
* delivered ``D_c = sum_t inflow[c,b_c,t]``; when the demand gives
  ``bits_per_day``, the key delivered in each UTC day is at most that
  (pro rata for days partly inside the horizon; idle periods are cut at
  midnight so every period lies in one day).

Objective ``'weighted'``: maximise ``sum_c w_c D_c``. Objective ``'maxmin'``:
maximise ``z`` with ``z <= D_c / n_c`` (``n_c`` the demand in bits over the
horizon; a pair without a demand takes the largest demand given, and with no
demand given at all ``z`` is the least delivered key in bits), then the weighted total with ``z`` held. A flow cost of 1e-6
per relayed bit (scaled) removes idle circulation, and a bonus below 1e-7
per delivered bit, falling with time, delivers key as early as an optimum allows.
(How one day's key splits between pairs can still tie, exactly; the solver
then picks one split, and the pairs' totals do not depend on it.) Solved with HiGHS
through ``highspy``: primal simplex for LPs up to 20,000 variables (the second
level of ``'maxmin'`` starts from the first one's basis), the interior point
method with crossover for larger ones, where the simplex stalls for minutes
on the small tie-breaking costs.

:func:`relay_draws` routes many draws of the passes' key (Monte Carlo
weather, failures) as :func:`relay_flow` routes each, reading the passes once
and each distinct draw once, on two threads when there are many.

The reported path of a demand is the widest (max-bottleneck) path of its flow
summed over time on the physical network; trusted nodes are its inner nodes.
Rates of fibre links without a measured rate come from
:func:`decoy_bb84_fibre_rate_bps`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import heapq
import itertools
import math
import os
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Mapping, Sequence

import highspy
import numpy as np
import pandas as pd
from scipy import sparse
from tqdm.auto import tqdm

from ..constants import DAY_S
from ..errors import InputError, check_choice, check_range
from ..model import Demand, FibreLink
from ..timescales import parse_utc
from .highs import load_model, quiet_highs, status_message

OBJECTIVES = ("weighted", "maxmin")
_FLOW_COST = 1e-6
_EARLY_BONUS = 1e-7
_LEXI_TOL = 1e-7
# Simplex solves relay LPs up to this size faster than the interior point
# (forecast draws: 400-3,500 variables, about a millisecond each), but stalls for
# minutes on the tie-breaking costs of large ones (45k variables): above it, or
# past the time limit, the interior point method with crossover solves.
_SIMPLEX_MAX_VARIABLES = 20_000
_SIMPLEX_TIME_LIMIT_S = 5.0
_DUAL_TOLERANCE = 1e-10
# stores under this fraction of the LP's unit of key are reported as empty
_STORE_NOISE = 1e-6


@dataclasses.dataclass(frozen=True, slots=True)
class _Solution:
    """What the per-demand, per-link and per-node tables of a relay are built from."""

    net: "_Network"
    flows: "_Flows"
    held: "_Held"
    x: np.ndarray
    delivered: np.ndarray
    start: pd.Timestamp
    use_at: dict


@dataclasses.dataclass(frozen=True)
class RelayResult:
    """Outcome of :func:`relay_flow`.

    Attributes
    ----------
    demands : DataFrame
        Per demand: ``delivered_bits``, ``bits_per_day``, ``demand_bits_per_day``,
        ``demand_met`` (fraction), ``path`` (nodes joined by ``' > '``),
        ``trusted_nodes`` and ``satellites_on_path``. For a pair with
        ``hourly_use``, ``delivered_bits`` is the key it used (what meets its
        demand), not the key that reached it.
    edges : DataFrame
        Per link: ``kind`` (``'fibre'``, ``'satellite'`` or ``'isl'``), ``generated_bits``,
        ``used_bits``, ``utilisation``.
    daily : DataFrame
        Bits delivered (used, for a pair with ``hourly_use``) per demand and
        UTC day (``date``, ``demand``, ``bits``).
    objective : str
    objective_value : float
        Weighted delivered bits, or for maxmin the least delivery as a fraction
        of the demand (in bits when no pair gives a demand).
    days : float
    solve_time_s : float
    status : str
    size : dict
        LP size: variables, constraints, periods.
    stores : DataFrame
        Key held at each node at the end of each period of the time
        expansion (see ``_store_table``): ``node``, ``kind`` (``'satellite'`` or
        ``'ground'``), ``start_utc``, ``end_utc``, ``link_key_bits``,
        ``relayed_key_bits`` and ``stored_bits``.

    ``demands``, ``edges`` and ``stores`` are built from the LP's solution
    when first read (a loop over many draws that reads only ``daily`` never
    builds them).
    """

    daily: pd.DataFrame
    objective: str
    objective_value: float
    days: float
    solve_time_s: float
    status: str
    size: dict
    _solution: _Solution = dataclasses.field(repr=False, compare=False)

    @functools.cached_property
    def demands(self) -> pd.DataFrame:
        s = self._solution
        return _demand_table(s.net, s.flows, s.delivered, s.x)

    @functools.cached_property
    def edges(self) -> pd.DataFrame:
        s = self._solution
        return _edge_table(s.net, s.flows, s.x)

    @functools.cached_property
    def stores(self) -> pd.DataFrame:
        s = self._solution
        return _store_table(s.net, s.flows, s.held, s.x, s.start, s.use_at)

    def summary(self) -> dict:
        return {"objective": self.objective, "objective_value": self.objective_value,
                "days": self.days, "solve_time_s": self.solve_time_s, "status": self.status,
                **self.size}


def _served_passes(passes) -> pd.DataFrame:
    """Served passes (``satellite``, ``station``, ``culmination_utc``, ``key`` [bit]).

    From a ScheduleResult or a DataFrame with ``expected_key_bits`` (or
    ``key_bits``); passes without key are kept (a draw of the weather may clear them).
    """
    df = passes.served if hasattr(passes, "served") and not isinstance(passes, pd.DataFrame) \
        else passes
    if df is None:
        return pd.DataFrame({"satellite": pd.Series(dtype=str), "station": pd.Series(dtype=str),
                             "culmination_utc": pd.Series(dtype="datetime64[ns, UTC]"),
                             "key": pd.Series(dtype=float)})
    if "served" in df.columns:
        df = df[df["served"].astype(bool)]
    missing = [c for c in ("satellite", "station", "culmination_utc") if c not in df.columns]
    if missing:
        raise InputError(f"passes lack column(s) {', '.join(missing)} needed by the relay")
    key_col = "expected_key_bits" if "expected_key_bits" in df.columns else "key_bits"
    if key_col not in df.columns:
        raise InputError("passes lack column expected_key_bits or key_bits needed by the relay")
    # a copy of the columns the relay reads, not of the whole pass table
    df = df[["satellite", "station", "culmination_utc", key_col]].copy()
    df["key"] = df[key_col].astype(float)
    check_range(f"passes {key_col}", df["key"].to_numpy(), 0.0)
    df["culmination_utc"] = pd.to_datetime(df["culmination_utc"], utc=True)
    df["satellite"] = df["satellite"].astype(str)
    df["station"] = df["station"].astype(str)
    return df


def _add_rows(entries: list, rhs_list: list, n_rows: int, rows, cols, vals, rhs) -> int:
    """Append a block of rows (coordinates, ``rows`` from 0) after ``n_rows``; the new count."""
    rhs = np.atleast_1d(np.asarray(rhs, dtype=float))
    entries.append((np.asarray(rows, dtype=np.int64) + n_rows, np.asarray(cols, dtype=np.int64),
                    np.asarray(vals, dtype=float)))
    rhs_list.append(rhs)
    return n_rows + len(rhs)


class _LP:
    """Sparse LP assembled in blocks of variables and rows (maximisation of its costs).

    Variables come in blocks (:meth:`vars`) with their upper bounds and costs;
    equality rows (``== rhs``) and ``<=`` rows in blocks of coordinates
    (row within the block, column, value) with their right-hand sides. The
    single-variable and single-row forms serve the few scalar parts.
    """

    def __init__(self):
        self.n = 0
        self.n_eq = 0
        self.n_le = 0
        self._ub: list[np.ndarray] = []
        self._obj: list[np.ndarray] = []
        self._zero: list[np.ndarray] = []  # variables whose upper bound is 0
        self._eq: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._le: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._eq_rhs: list[np.ndarray] = []
        self._le_rhs: list[np.ndarray] = []

    def vars(self, ub, obj) -> np.ndarray:
        """Add ``len(ub)`` variables; their indices."""
        ub = np.asarray(ub, dtype=float)
        j = np.arange(self.n, self.n + len(ub))
        self._ub.append(ub)
        self._obj.append(np.broadcast_to(np.asarray(obj, dtype=float), len(ub)))
        self.n += len(ub)
        return j

    def var(self, ub=np.inf, obj=0.0) -> int:
        return int(self.vars([ub], [obj])[0])

    def fix_zero(self, cols) -> None:
        """Set the upper bound of variables ``cols`` to 0."""
        self._zero.append(np.asarray(cols, dtype=np.int64))

    def eqs(self, rows, cols, vals, rhs) -> None:
        """Equality rows ``A x = rhs``, ``A`` given by coordinates (``rows`` count from 0)."""
        self.n_eq = _add_rows(self._eq, self._eq_rhs, self.n_eq, rows, cols, vals, rhs)

    def les(self, rows, cols, vals, rhs) -> None:
        """Rows ``A x <= rhs``, as :meth:`eqs`."""
        self.n_le = _add_rows(self._le, self._le_rhs, self.n_le, rows, cols, vals, rhs)

    def eq(self, cols, vals, rhs) -> None:
        self.eqs(np.zeros(len(cols), dtype=np.int64), cols, vals, [rhs])

    def le(self, cols, vals, rhs) -> None:
        self.les(np.zeros(len(cols), dtype=np.int64), cols, vals, [rhs])

    def objective(self) -> np.ndarray:
        """The costs (maximised), one per variable."""
        return np.concatenate(self._obj) if self._obj else np.zeros(0)

    def upper(self) -> np.ndarray:
        """The upper bounds, one per variable."""
        ub = np.concatenate(self._ub) if self._ub else np.zeros(0)
        for cols in self._zero:
            ub[cols] = 0.0
        return ub

    def highs(self) -> highspy.Highs:
        """HiGHS holding the LP, maximising its costs: the equality rows, then the ``<=`` rows."""
        blocks = self._eq + [(r + self.n_eq, c, v) for r, c, v in self._le]
        rows, cols, vals = (np.concatenate([b[k] for b in blocks]) if blocks
                            else np.zeros(0, dtype=np.int64 if k < 2 else float)
                            for k in range(3))
        a = sparse.csc_array((vals, (rows, cols)), shape=(self.n_eq + self.n_le, self.n))
        rhs = np.concatenate(self._eq_rhs + self._le_rhs) if blocks else np.zeros(0)
        h = load_model(quiet_highs(), -self.objective(), 0.0, self.upper(), a,
                       np.concatenate([rhs[:self.n_eq], np.full(self.n_le, -np.inf)]), rhs)
        # the tie-breaking costs (a flow cost of 1e-6, a bonus of 1e-7 falling with
        # time) sit at HiGHS's default dual tolerance (1e-7): tighter, so they break ties
        h.setOptionValue("dual_feasibility_tolerance", _DUAL_TOLERANCE)
        return h


def _run(h: highspy.Highs, n: int) -> np.ndarray:
    """Solve the LP held by ``h`` (from its last basis, if any); its solution, or InputError.

    Up to ``_SIMPLEX_MAX_VARIABLES``: primal simplex without presolve (a
    relay LP of a few thousand variables solves in about a millisecond;
    primal takes half the time of dual on europe-glonass's forecast draws,
    for the same optima, and re-solves the second level of max-min from the
    first one's basis, which stays feasible), bounded by
    ``_SIMPLEX_TIME_LIMIT_S``; past the limit, or for larger LPs, the
    interior point method with crossover.
    """
    if n <= _SIMPLEX_MAX_VARIABLES:
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 4)
        h.setOptionValue("presolve", "off")
        h.setOptionValue("time_limit", _SIMPLEX_TIME_LIMIT_S)
        h.run()
    if n > _SIMPLEX_MAX_VARIABLES or h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("presolve", "choose")
        h.setOptionValue("time_limit", highspy.kHighsInf)
        h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise InputError(f"relay LP not solved: HiGHS status {h.modelStatusToString(status)}")
    return np.asarray(h.getSolution().col_value, dtype=float)


@dataclasses.dataclass(frozen=True, slots=True)
class _Periods:
    """Periods of the time expansion.

    ``bounds_s`` holds each period's (start, end) [s after the horizon's start],
    ``day_of`` its UTC day (0h), ``pass_period`` the period of each pass.
    """

    bounds_s: list[tuple[float, float]]
    day_of: list[pd.Timestamp]
    pass_period: list[int]

    @property
    def n(self) -> int:
        return len(self.bounds_s)


@dataclasses.dataclass(frozen=True, slots=True)
class _Network:
    """Time-expanded relay network: nodes, links and the key each link makes per period.

    ``links`` holds ``(u, v, kind)``; ``gen[e]`` maps a period to the key made on
    link ``e`` in it and ``active[e]`` lists the periods ``e`` may carry flow;
    ``contact[s]`` lists the periods satellite ``s`` meets a station. Key
    amounts in the LP are in units of ``scale`` bits.
    """

    demands: tuple[Demand, ...]
    days: float
    periods: _Periods
    satellites: list[str]
    ground: list[str]
    stores: dict[str, float]
    ground_store_bits: float
    links: list[tuple[str, str, str]]
    gen: list[dict[int, float]]
    active: list[list[int]]
    contact: dict[str, list[int]]
    scale: float
    useful_bits: float


def _grouped(keys, values) -> dict:
    """``values`` listed by their ``keys`` (two parallel iterables), in order."""
    out: dict = defaultdict(list)
    for key, value in zip(keys, values):
        out[key].append(value)
    return out


@dataclasses.dataclass(frozen=True)
class _Flows:
    """The flow variables ``f[c,e,t,u->v]``, one entry of each array per variable.

    Variable ``var[k]`` carries commodity ``c[k]`` over link ``link[k]`` in
    period ``t[k]`` from node ``src[k]`` to ``dst[k]`` (node indices into
    ``nodes``; ``direction`` 0 is the link's ``u -> v``); ``to_b[k]`` when
    ``dst`` is the commodity's end ``b`` (a delivery). The variables follow
    the (link, period) pairs of :func:`_link_periods`, ``n_kinds[e]`` per
    period of link ``e``.
    """

    var: np.ndarray
    c: np.ndarray
    link: np.ndarray
    t: np.ndarray
    direction: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    to_b: np.ndarray
    n_kinds: np.ndarray
    nodes: list[str]

    def delivered_at(self, c: int) -> list[tuple[int, int]]:
        """``(period, var)`` of the flows of commodity ``c`` into its end ``b``."""
        k = (self.c == c) & self.to_b
        return list(zip(self.t[k].tolist(), self.var[k].tolist()))

    def on_link(self) -> dict[tuple[int, int], list[tuple[int, int, int]]]:
        """``(commodity, direction, var)`` of the flows on each (link, period)."""
        return _grouped(zip(self.link.tolist(), self.t.tolist()),
                        zip(self.c.tolist(), self.direction.tolist(), self.var.tolist()))

    def outflow(self) -> dict[tuple[int, str, int], list[int]]:
        """Variables leaving each (commodity, node, period)."""
        return _grouped(zip(self.c.tolist(), (self.nodes[n] for n in self.src.tolist()),
                            self.t.tolist()), self.var.tolist())


@dataclasses.dataclass(frozen=True)
class _Held:
    """Held-key variables ``h[c,n,t]``: node index, period and variable of each."""

    node: np.ndarray
    t: np.ndarray
    var: np.ndarray
    nodes: list[str]

    def by_node_period(self) -> dict[tuple[str, int], list[int]]:
        """The held-key variables of each (node, period)."""
        return _grouped(zip((self.nodes[n] for n in self.node.tolist()), self.t.tolist()),
                        self.var.tolist())


@dataclasses.dataclass(frozen=True)
class _Pools:
    """Link key-pool variables ``p[e,t]``: link, period and variable of each."""

    link: np.ndarray
    t: np.ndarray
    var: np.ndarray


def _check_arguments(objective, time_step_s, ground_store_bits, demands):
    """Reject a bad objective, time step, ground store or an empty demand list."""
    check_choice("objective", objective, OBJECTIVES)
    check_range("time_step_s", time_step_s, 0.0, low_inclusive=False)
    check_range("ground_store_bits", ground_store_bits, 0.0)
    if not demands:
        raise InputError("demands = [] is empty; give at least one user pair")


def _horizon(df: pd.DataFrame, start, days):
    """Horizon of the relay and the passes inside it.

    ``start`` defaults to 0h UTC of the first pass's day and ``days`` to the
    whole days covering the passes. Returns which passes culminate inside the
    horizon, their culminations [s after start], ``start`` and ``days``.
    """
    if start is None:
        if df.empty:
            raise InputError("start is needed when there are no served passes")
        start = df["culmination_utc"].min().floor("D")
    start = parse_utc(start, "start")
    if days is None:
        if df.empty:
            raise InputError("days is needed when there are no served passes")
        days = max(math.ceil((df["culmination_utc"].max() - start).total_seconds() / DAY_S
                             + 1e-9), 1)
    check_range("days", days, 0.0, low_inclusive=False)
    sec = (df["culmination_utc"] - start).dt.total_seconds().to_numpy()
    inside = (sec >= 0) & (sec < days * DAY_S)
    return inside, sec[inside], start, days


def _isl_inside(contacts, start: pd.Timestamp, days: float):
    """ISL contacts with key inside the horizon and their times [s after start]; (None, None) if none."""
    if contacts is None or len(contacts) == 0:
        return None, None
    missing = [c for c in ("satellite_a", "satellite_b", "culmination_utc", "key_bits")
               if c not in contacts.columns]
    if missing:
        raise InputError(f"isl_contacts lack column(s) {', '.join(missing)}")
    isl = contacts.copy()
    isl["key"] = isl["key_bits"].astype(float)
    check_range("isl_contacts key_bits", isl["key"].to_numpy(), 0.0)
    isl["culmination_utc"] = pd.to_datetime(isl["culmination_utc"], utc=True)
    for col in ("satellite_a", "satellite_b"):
        isl[col] = isl[col].astype(str)
    # one orientation per pair, so a-b and b-a contacts form one link
    swap = isl["satellite_a"] > isl["satellite_b"]
    isl.loc[swap, ["satellite_a", "satellite_b"]] = isl.loc[
        swap, ["satellite_b", "satellite_a"]].to_numpy()
    sec = (isl["culmination_utc"] - start).dt.total_seconds().to_numpy()
    inside = (sec >= 0) & (sec < days * DAY_S) & (isl["key"].to_numpy() > 0)
    if not inside.any():
        return None, None
    return isl[inside].reset_index(drop=True), sec[inside]


def _nodes(satellite, station, fibre_links, demands, key_store_bits, isl=None):
    """Satellites, ground nodes (in order of first mention) and satellite key stores [bit].

    ``satellite`` and ``station`` name each pass's ends. Satellites met only on
    inter-satellite links (``isl``) follow those seen on passes.
    """
    satellites = list(dict.fromkeys(satellite.tolist()))
    if isl is not None and len(isl):
        satellites += [s for s in pd.unique(isl[["satellite_a", "satellite_b"]].to_numpy().ravel())
                       if s not in satellites]
    ground = list(dict.fromkeys(
        station.tolist() + [x for f in fibre_links for x in (f.a, f.b)]
        + [x for d in demands for x in (d.a, d.b)]))
    for d in demands:
        if d.a in satellites or d.b in satellites:
            raise InputError(f"demand {d.name}: the users must be ground nodes, not satellites")
    clash = set(satellites) & set(ground)
    if clash:
        raise InputError(f"node {sorted(clash)[0]!r} is both a satellite and a ground node")
    per_satellite = isinstance(key_store_bits, Mapping)
    stores = {s: check_range(f"key_store_bits[{s!r}]",
                             key_store_bits.get(s, math.inf) if per_satellite else key_store_bits,
                             0.0)
              for s in satellites}
    return satellites, ground, stores


def _idle_periods(a: float, b: float, first_midnight_s: float) -> list[tuple[float, float]]:
    """Idle span ``[a, b)`` [s] cut at the UTC midnights inside it."""
    cuts = np.arange(first_midnight_s, b, DAY_S)
    edges = [a] + [float(m) for m in cuts if a < m < b] + [b]
    return list(zip(edges[:-1], edges[1:]))


def _periods(sec, start: pd.Timestamp, horizon_s: float, time_step_s: float) -> _Periods:
    """Periods: one per slot holding a pass, and the idle gaps between, merged.

    A pass lands in the slot of its culmination ``sec`` [s after start]. Idle
    gaps are cut at UTC midnights so daily demands and the daily series hold
    exactly (a pass slot belongs to the day it starts in); trailing idle
    periods past the horizon are dropped and the last one is clipped to it.
    """
    n_slots = max(int(math.ceil(horizon_s / time_step_s - 1e-9)), 1)
    slot = np.minimum((sec // time_step_s).astype(int), n_slots - 1)
    first_midnight = (start.ceil("D") - start).total_seconds()
    bounds_s: list[tuple[float, float]] = []
    cursor = 0
    period_of_slot = {}
    for k in sorted(set(slot.tolist())):
        if k > cursor:
            bounds_s += _idle_periods(cursor * time_step_s, k * time_step_s, first_midnight)
        period_of_slot[k] = len(bounds_s)
        bounds_s.append((k * time_step_s, (k + 1) * time_step_s))
        cursor = k + 1
    if cursor < n_slots:
        bounds_s += _idle_periods(cursor * time_step_s, n_slots * time_step_s, first_midnight)
    # pass slots start before the horizon's end: only trailing idle periods are dropped
    bounds_s = [(a, min(b, horizon_s)) for a, b in bounds_s if a < horizon_s]
    edges, days = _edge_days(start, n_slots, time_step_s)
    at = np.searchsorted(edges, [a for a, _ in bounds_s]).tolist()
    return _Periods(bounds_s, [days[i] for i in at], [period_of_slot[k] for k in slot])


@functools.lru_cache(maxsize=16)
def _edge_days(start: pd.Timestamp, n_slots: int, time_step_s: float):
    """Every time a period of :func:`_periods` may start at [s after ``start``] (slot
    edges, UTC midnights), rising, and the UTC day (0h) of each; cached, as the
    draws of one horizon share them."""
    first_midnight = (start.ceil("D") - start).total_seconds()
    edges = np.unique(np.concatenate([np.arange(n_slots + 1) * time_step_s,
                                      np.arange(first_midnight, n_slots * time_step_s, DAY_S)]))
    return edges, list((start + pd.to_timedelta(edges, unit="s")).floor("D"))


def _links(sat, sta, per, key, fibre_links, satellites, periods: _Periods, isl=None):
    """Links, key made on each per period [bit], periods each may carry flow, contacts.

    A fibre link makes its rate times each period's length and works in every
    period. A satellite link (one per satellite and station) makes its passes'
    key and carries flow in the satellite's contact periods from its first key
    on. ``sat``, ``sta``, ``per`` and ``key`` give each pass's satellite,
    station, period and key [bit].
    """
    links, gen, active = [], [], []
    length = np.array([b - a for a, b in periods.bounds_s])
    for f in fibre_links:
        links.append((f.a, f.b, "fibre"))
        rate = f.key_rate_bps()
        gen.append({t: rate * length[t] for t in range(periods.n)})
        active.append(list(range(periods.n)))
    contact: dict[str, set] = {s: set() for s in satellites}
    for s, t in zip(sat.tolist(), per.tolist()):
        contact[s].add(t)
    contact = {s: sorted(ts) for s, ts in contact.items()}
    made_by: dict[tuple[str, str], dict[int, float]] = {}  # in order of first pass
    for s, g, t, k in zip(sat.tolist(), sta.tolist(), per.tolist(), key.tolist()):
        made = made_by.setdefault((s, g), {})
        made[t] = made.get(t, 0.0) + k
    for (s, g), made in made_by.items():
        links.append((g, s, "satellite"))
        gen.append(dict(sorted(made.items())))
        first = min(made)
        active.append([t for t in contact[s] if t >= first])
    if isl is not None and len(isl):
        _isl_links(isl, links, gen, active, contact)
    return links, gen, active, contact


def _isl_links(isl: pd.DataFrame, links, gen, active, contact) -> None:
    """Inter-satellite links: one per satellite pair, key made in its contacts' periods.

    Both satellites are trusted nodes and reach each other over the link
    itself, so a contact period counts as a contact of both (they may hold and
    forward key then); the link carries flow in its contacts from its first
    key on. ``isl`` holds the contacts with their ``period`` (appended in place).
    """
    for (a, b), rows in isl.groupby(["satellite_a", "satellite_b"], sort=False):
        made = rows.groupby("period")["key"].sum().to_dict()
        links.append((a, b, "isl"))
        gen.append(made)
        periods = sorted(made)
        active.append([t for t in periods if t >= min(made)])
        for s in (a, b):
            contact[s] = sorted(set(contact.get(s, [])) | set(periods))


def _useful_bits(demands, links, gen, days) -> float:
    """Most key all pairs can take over the horizon [bit].

    A pair takes no more than its demand, nor than the links at either end
    make over the horizon; and when its ends are not joined by fibre, no more
    than the satellite links at the fibre network of either end make (every
    path leaves it through one of them: a cut).
    """
    parent: dict[str, str] = {}

    def root(n):
        while parent.get(n, n) != n:
            n = parent[n]
        return n

    for (u, v, kind) in links:
        if kind == "fibre":
            parent[root(u)] = root(v)
    at_node: dict[str, float] = defaultdict(float)
    leaving: dict[str, float] = defaultdict(float)  # out of a fibre network, by its root
    for (u, v, kind), g in zip(links, gen):
        total = sum(g.values())
        at_node[u] += total
        at_node[v] += total
        if kind != "fibre":
            for n in (u, v):
                leaving[root(n)] += total
    useful = 0.0
    for d in demands:
        bound = min(d.bits_per_day * days if d.bits_per_day is not None else np.inf,
                    at_node[d.a], at_node[d.b])
        if root(d.a) != root(d.b):
            bound = min(bound, leaving[root(d.a)], leaving[root(d.b)])
        useful += bound
    return useful


def _network(sat, sta, key, sec, start, days, time_step_s, fibre_links, demands,
             key_store_bits, ground_store_bits, isl=None, isl_sec=None) -> _Network:
    """Time-expanded network of the passes inside the horizon, the fibre and the demands.

    ``sat``, ``sta``, ``key`` and ``sec`` give each pass with key: satellite,
    station, key [bit] and culmination [s after ``start``].

    ``isl`` (inter-satellite contacts) and ``isl_sec`` (their times [s after
    start]) add ISL links; without them the network is the passes' and fibre's.
    """
    satellites, ground, stores = _nodes(sat, sta, fibre_links, demands, key_store_bits, isl)
    has_isl = isl is not None and len(isl) > 0
    all_sec = np.concatenate([sec, isl_sec]) if has_isl else sec
    periods = _periods(all_sec, start, days * DAY_S, time_step_s)
    pass_period = np.asarray(periods.pass_period[:len(sec)], dtype=int)
    isl_periods = isl.assign(period=periods.pass_period[len(sec):]) if has_isl else None
    links, gen, active, contact = _links(sat, sta, pass_period, key, fibre_links,
                                         satellites, periods, isl_periods)
    # Key beyond what every pair could take never flows on a link (flows cost, so
    # an optimum has no cycles): the LP sees each period's key capped there. An
    # idle day of fibre (1e10 bits) would otherwise set the unit of key and push
    # pass keys under the solver's tolerances (the max-min hold then reads as
    # infeasible), or, as the unit, leave fibre pools 1e7 units deep (the
    # interior point then stalls).
    useful = _useful_bits(demands, links, gen, days)
    scale = max([min(max(g.values(), default=0.0), useful) for g in gen] + [1.0])
    return _Network(tuple(demands), days, periods, satellites, ground, stores, ground_store_bits,
                    links, gen, active, contact, scale, useful)


def _link_periods(net: _Network) -> tuple[np.ndarray, np.ndarray]:
    """Every (link, period) a link may carry flow in: link by link, periods rising."""
    sizes = [len(a) for a in net.active]
    return (np.repeat(np.arange(len(net.links)), sizes),
            np.fromiter(itertools.chain.from_iterable(net.active), dtype=np.int64,
                        count=sum(sizes)))


def _add_flows(lp: _LP, net: _Network, nodes: list[str], link_t) -> _Flows:
    """Flow variables ``f[c,e,t,u->v]``, never into ``a_c`` nor out of ``b_c``.

    Each costs ``_FLOW_COST`` (no idle circulation); a delivery into ``b_c``
    earns a bonus falling with time, so among optimal flows key is delivered
    as early as it can be. ``nodes`` numbers the nodes; ``link_t`` gives the
    (link, period) pairs (:func:`_link_periods`), whose flows follow each other.
    """
    node_id = {n: i for i, n in enumerate(nodes)}
    # the (link, commodity, direction, from, to, into b) a flow may take, whatever the period
    kinds = np.array([(e, c, direction, node_id[x], node_id[y], y == d.b)
                      for e, (u, v, _) in enumerate(net.links)
                      for c, d in enumerate(net.demands)
                      for direction, (x, y) in enumerate(((u, v), (v, u)))
                      if not (y == d.a or x == d.b)], dtype=np.int64).reshape(-1, 6)
    n_kinds = np.bincount(kinds[:, 0], minlength=len(net.links))
    pair_link, pair_t = link_t
    per_pair = n_kinds[pair_link]
    pair = np.repeat(np.arange(len(pair_link)), per_pair)
    # each variable's kind: its link's first kind, plus its place within its pair
    place = np.arange(len(pair)) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    kind = kinds[(np.cumsum(n_kinds) - n_kinds)[pair_link[pair]] + place]
    t = pair_t[pair]
    to_b = kind[:, 5].astype(bool)
    bonus = _EARLY_BONUS * (1.0 - t / net.periods.n)
    var = lp.vars(np.full(len(t), np.inf), np.where(to_b, bonus, 0.0) - _FLOW_COST)
    return _Flows(var, kind[:, 1], kind[:, 0], t, kind[:, 2], kind[:, 3], kind[:, 4], to_b,
                  n_kinds, list(nodes))


def _add_pools(lp: _LP, net: _Network, flows: _Flows, link_t) -> _Pools:
    """Link key pools ``p[e,t]`` and causality: key is used after it is made, never twice.

    ``p[e,t] <= p[e,t-] + g[e,t] - sum_c f[c,e,t]`` (left-over key may be
    discarded); a fibre link's pool lies in ground stores. One pool and one
    row per (link, period) of ``link_t``.
    """
    pair_link, pair_t = link_t
    m = len(pair_link)
    fibre_cap = net.ground_store_bits / net.scale
    cap = np.array([fibre_cap if kind == "fibre" else np.inf for _, _, kind in net.links])
    p = lp.vars(cap[pair_link], 0.0)
    row = np.arange(m)
    after = pair_link[1:] == pair_link[:-1]  # the link's pool from its previous period
    gen = net.gen
    made = np.fromiter((gen[e].get(t, 0.0) for e, t in zip(pair_link.tolist(), pair_t.tolist())),
                       dtype=float, count=m)
    per_pair = flows.n_kinds[pair_link]
    lp.les(np.concatenate([row, np.repeat(row, per_pair), row[1:][after]]),
           np.concatenate([p, flows.var, p[:-1][after]]),
           np.concatenate([np.ones(m + len(flows.var)), -np.ones(int(after.sum()))]),
           np.minimum(made, net.useful_bits) / net.scale)
    return _Pools(pair_link, pair_t, p)


def _node_periods(net: _Network) -> dict[str, list[int]]:
    """Periods between which each trusted node holds key.

    A node holds key between the periods in which one of its links may carry
    flow (nothing reaches it in between, so this is exact): every period for
    nodes on fibre, the contacts of its satellites for a station, its own
    contacts for a satellite.
    """
    active_at: dict[str, set] = defaultdict(set)
    for e, (u, v, _) in enumerate(net.links):
        active_at[u].update(net.active[e])
        active_at[v].update(net.active[e])
    node_periods = {n: sorted(active_at[n]) for n in net.ground}
    node_periods.update(net.contact)
    return node_periods


def _add_held_key(lp: _LP, net: _Network, flows: _Flows,
                  node_periods: dict[str, list[int]]) -> _Held:
    """Held key ``h[c,n,t]`` and conservation at every trusted node not an end of ``c``.

    ``h[c,n,t-] + inflow[c,n,t] = outflow[c,n,t] + h[c,n,t]`` in the node's
    periods from its first inflow of ``c`` on; before it nothing can be
    forwarded (those outflows are fixed at 0). Commodity by commodity, node by
    node in the order of ``node_periods`` (that of ``flows.nodes``), periods
    rising.
    """
    nodes = flows.nodes
    n_nodes, n_per = len(nodes), net.periods.n
    # every (node, period) a node holds key in, node by node, periods rising
    sizes = [len(p) for p in node_periods.values()]
    at_node = np.repeat(np.arange(len(sizes)), sizes)
    at_t = np.fromiter(itertools.chain.from_iterable(node_periods.values()), dtype=np.int64,
                       count=sum(sizes))
    cap_of_node = np.array([net.stores.get(n, net.ground_store_bits) / net.scale
                            for n in nodes])
    end_a = np.array([nodes.index(d.a) for d in net.demands], dtype=np.int64)
    end_b = np.array([nodes.index(d.b) for d in net.demands], dtype=np.int64)
    # the first period each commodity reaches each node
    first_in = np.full((len(net.demands), n_nodes), np.iinfo(np.int64).max)
    np.minimum.at(first_in, (flows.c, flows.dst), flows.t)
    # the chains: every commodity's (node, period) at its inner nodes from the first inflow on
    c = np.repeat(np.arange(len(net.demands)), len(at_node))
    node, t = np.tile(at_node, len(net.demands)), np.tile(at_t, len(net.demands))
    chain = (node != end_a[c]) & (node != end_b[c]) & (t >= first_in[c, node])
    c, node, t = c[chain], node[chain], t[chain]
    m = len(node)
    h = lp.vars(cap_of_node[node], 0.0)
    row = np.arange(m)
    after = (node[1:] == node[:-1]) & (c[1:] == c[:-1])  # held from the node's previous period
    key = (c * n_nodes + node) * n_per + t  # rising
    fc, var = flows.c, flows.var
    ins = (flows.dst != end_a[fc]) & (flows.dst != end_b[fc])
    outs = (flows.src != end_a[fc]) & (flows.src != end_b[fc])
    early = outs & (flows.t < first_in[fc, flows.src])  # nothing has arrived to forward
    lp.fix_zero(var[early])
    late = outs & ~early
    in_row = np.searchsorted(key, (fc[ins] * n_nodes + flows.dst[ins]) * n_per + flows.t[ins])
    out_row = np.searchsorted(key, (fc[late] * n_nodes + flows.src[late]) * n_per
                              + flows.t[late])
    lp.eqs(np.concatenate([row, row[1:][after], in_row, out_row]),
           np.concatenate([h, h[:-1][after], var[ins], var[late]]),
           np.concatenate([-np.ones(m), np.ones(int(after.sum())), np.ones(len(in_row)),
                           -np.ones(len(out_row))]),
           np.zeros(m))
    return _Held(node, t, h, list(nodes))


def _add_satellite_stores(lp: _LP, net: _Network, pools: _Pools, held: _Held) -> None:
    """Key store of each satellite with a finite one, in each contact period.

    ``sum_{e at S} p[e,t] + sum_c h[c,S,t] <= K_S``: satellite by satellite,
    its contact periods rising.
    """
    stores = [s for s in net.satellites if not math.isinf(net.stores[s])]
    if not stores:
        return
    n_per = net.periods.n
    index = {s: i for i, s in enumerate(stores)}
    # the satellites holding each link's pool: a satellite link's satellite, an ISL's two ends
    first_owner = np.array([index.get(v if kind == "satellite" else u if kind == "isl" else "", -1)
                            for u, v, kind in net.links], dtype=np.int64)
    second_owner = np.array([index.get(v, -1) if kind == "isl" else -1
                             for u, v, kind in net.links], dtype=np.int64)
    pool_owner = np.concatenate([first_owner[pools.link], second_owner[pools.link]])
    pool = np.tile(np.arange(len(pools.link)), 2)[pool_owner >= 0]
    pool_owner = pool_owner[pool_owner >= 0]
    node_store = np.full(len(held.nodes), -1)
    node_store[[held.nodes.index(s) for s in stores]] = np.arange(len(stores))
    held_owner = node_store[held.node]
    mine = held_owner >= 0
    contacts = [net.contact[s] for s in stores]
    key = (np.repeat(np.arange(len(stores)), [len(x) for x in contacts]) * n_per
           + np.fromiter(itertools.chain.from_iterable(contacts), dtype=np.int64))  # rising
    lp.les(np.searchsorted(key, np.concatenate([pool_owner * n_per + pools.t[pool],
                                                held_owner[mine] * n_per + held.t[mine]])),
           np.concatenate([pools.var[pool], held.var[mine]]),
           np.ones(len(pool) + int(mine.sum())),
           np.repeat([net.stores[s] / net.scale for s in stores], [len(x) for x in contacts]))


def _day_share(periods: _Periods) -> dict[pd.Timestamp, float]:
    """Share of each UTC day inside the horizon (1 for whole days)."""
    share: dict[pd.Timestamp, float] = defaultdict(float)
    for (a, b), k in zip(periods.bounds_s, periods.day_of):
        share[k] += (b - a) / DAY_S
    return share


def _hourly_need_bits(d: Demand, periods: _Periods, start: pd.Timestamp) -> np.ndarray:
    """Key pair ``d`` uses in each period [bit]: its daily demand spread by ``hourly_use``.

    The use from the start of the horizon's first UTC day to ``x`` seconds
    later is ``bits_per_day x (whole days + sum of the weights of the hours
    passed + the current hour's weight x its fraction passed)``; a period uses
    the difference at its ends.
    """
    w = np.asarray(d.hourly_use, dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(w)])
    offset = (start - start.floor("D")).total_seconds()

    def used(sec):
        x = np.asarray(sec, dtype=float) + offset
        days = np.floor(x / DAY_S)
        rem = x - days * DAY_S
        hour = np.minimum((rem // 3600).astype(int), 23)
        return d.bits_per_day * (days + cum[hour] + w[hour] * (rem - hour * 3600) / 3600)

    bounds = np.asarray(periods.bounds_s, dtype=float).reshape(-1, 2)
    return used(bounds[:, 1]) - used(bounds[:, 0])


def _add_deliveries(lp: _LP, net: _Network, flows: _Flows, objective: str,
                    start: pd.Timestamp) -> tuple[list[int], dict[int, list[tuple[int, int]]]]:
    """Key that meets each demand, ``D_c``, capped by the demand.

    A pair without ``hourly_use``: ``D_c`` is the key delivered, capped over
    the horizon and in each UTC day (days partly inside the horizon get their
    demand pro rata). A pair with ``hourly_use`` holds what arrives at its end
    ``b`` and uses it: ``s[c,t] = s[c,t-] + delivered[c,t] - u[c,t]``, ``u[c,t]``
    at most the period's use (:func:`_hourly_need_bits`), ``D_c = sum_t u[c,t]``.
    ``D_c`` carries the weight ``w_c`` in the ``'weighted'`` objective. Returns
    the ``D_c`` variables and, per pair that uses key, its ``(period, u)``
    variables.
    """
    day_share = _day_share(net.periods)
    dvars, use_at = [], {}
    for c, d in enumerate(net.demands):
        arrivals = flows.delivered_at(c)
        cap = d.bits_per_day * net.days / net.scale if d.bits_per_day is not None else np.inf
        j = lp.var(ub=cap, obj=d.weight if objective == "weighted" else 0.0)
        dvars.append(j)
        if d.hourly_use:
            need = _hourly_need_bits(d, net.periods, start) / net.scale
            arriving = defaultdict(list)
            for t, v in arrivals:
                arriving[t].append(v)
            uses, prev = [], None
            for t in range(net.periods.n):
                u = lp.var(ub=max(need[t], 0.0))
                held = lp.var(ub=net.ground_store_bits / net.scale)
                ins = arriving.get(t, [])
                cols = [held, u] + ins + ([prev] if prev is not None else [])
                vals = [1.0, 1.0] + [-1.0] * len(ins) + ([-1.0] if prev is not None else [])
                lp.eq(cols, vals, 0.0)
                uses.append((t, u))
                prev = held
            use_at[c] = uses
            lp.eq([j] + [u for _, u in uses], [1.0] + [-1.0] * len(uses), 0.0)
            continue
        lp.eq([j] + [v for _, v in arrivals], [1.0] + [-1.0] * len(arrivals), 0.0)
        if d.bits_per_day is None:
            continue
        per_day = defaultdict(list)
        for t, v in arrivals:
            per_day[net.periods.day_of[t]].append(v)
        for k, cols in per_day.items():
            lp.le(cols, [1.0] * len(cols), d.bits_per_day * day_share[k] / net.scale)
    return dvars, use_at


def _solve_maxmin(lp: _LP, net: _Network, dvars: list[int]):
    """Lexicographic max-min: the largest least share ``z`` of demand met, then the total.

    The second solve maximises the weighted total with ``z`` held (to
    ``_LEXI_TOL``); should it fail, the first solution stands and the
    message says so. Pairs without a demand count against the largest demand
    given; with none given, ``z`` is in units of ``scale`` bits.
    Returns the second solution, the solver's message and ``z`` (a fraction,
    or bits if no demand).
    """
    given = [d.bits_per_day for d in net.demands if d.bits_per_day is not None]
    default_norm = max(given) * net.days / net.scale if given else 1.0
    z = lp.var(obj=1.0)
    for c, d in enumerate(net.demands):
        norm = d.bits_per_day * net.days / net.scale if d.bits_per_day is not None \
            else default_norm
        lp.le([z, dvars[c]], [norm, -1.0], 0.0)
    h = lp.highs()
    x = _run(h, lp.n)
    value = x[z] * (1.0 if given else net.scale)
    message = status_message(h)
    # the second level: z costs nothing, each pair's key its weight; it starts from the
    # first one's basis, still feasible with z held
    changed = np.array([z] + list(dvars), dtype=np.int32)
    cost = np.array([0.0] + [d.weight for d in net.demands])
    h.changeColBounds(z, x[z] * (1 - _LEXI_TOL), highspy.kHighsInf)
    h.changeColsCost(len(changed), changed, -cost)
    try:
        x = _run(h, lp.n)
    except InputError as err:  # the first level's optimum stands without its tie-break
        message = f"{message}; total with the least share held not solved ({err})"
    return x, message, float(value)


def _solve(lp: _LP, net: _Network, dvars: list[int], objective: str):
    """Solve for the objective; returns solver message, solution, delivered key [bit], value."""
    if objective == "maxmin":
        x, message, value = _solve_maxmin(lp, net, dvars)
    else:
        h = lp.highs()
        x = _run(h, lp.n)
        message = status_message(h)
    x = np.maximum(x, 0.0)  # HiGHS may return -0.0 or -1e-12
    delivered = np.array([x[j] * net.scale for j in dvars])
    if objective == "weighted":
        value = float(sum(d.weight * b for d, b in zip(net.demands, delivered)))
    return message, x, delivered, value


def _edge_table(net: _Network, flows: _Flows, x) -> pd.DataFrame:
    """Per link: kind, key generated and used [bit], utilisation."""
    rows = []
    for e, (u, v, kind) in enumerate(net.links):
        used = sum(x[flows.var[flows.link == e]].tolist()) * net.scale
        made = sum(net.gen[e].values())
        rows.append({"a": u, "b": v, "kind": kind, "generated_bits": made,
                     "used_bits": used, "utilisation": used / made if made > 0 else 0.0})
    return pd.DataFrame(rows, columns=["a", "b", "kind", "generated_bits", "used_bits",
                                       "utilisation"])


def _flow_weights(net: _Network, flows: _Flows, c: int, x) -> dict[tuple[str, str], float]:
    """Bits of commodity ``c`` relayed along each directed link, summed over time."""
    weight: dict[tuple[str, str], float] = defaultdict(float)
    for cc, e, direction, j in zip(flows.c.tolist(), flows.link.tolist(),
                                   flows.direction.tolist(), flows.var.tolist()):
        if cc == c and x[j] > 1e-9:
            u, v, _ = net.links[e]
            weight[(u, v) if direction == 0 else (v, u)] += x[j] * net.scale
    return weight


def _demand_table(net: _Network, flows: _Flows, delivered, x) -> pd.DataFrame:
    """Per demand: key delivered, share of the demand met, widest path and its trusted nodes."""
    rows = []
    for c, d in enumerate(net.demands):
        path = _widest_path(_flow_weights(net, flows, c, x), d.a, d.b) \
            if delivered[c] > 1e-6 else []
        per_day = delivered[c] / net.days
        demand_day = d.bits_per_day
        rows.append({
            "demand": d.name, "a": d.a, "b": d.b, "delivered_bits": delivered[c],
            "bits_per_day": per_day, "demand_bits_per_day": demand_day,
            "demand_met": min(per_day / demand_day, 1.0) if demand_day else np.nan,
            "path": " > ".join(path), "trusted_nodes": max(len(path) - 2, 0),
            "satellites_on_path": sum(n in net.stores for n in path),
        })
    return pd.DataFrame(rows)


def _daily_bits(net: _Network, flows: _Flows, x, use_at) -> dict[tuple[pd.Timestamp, int], float]:
    """Bits per (UTC day, demand index) that meet the demand: delivered, or used for
    a pair with ``hourly_use`` (amounts of 1e-6 bit or less, solver noise, left out)."""
    bits: dict[tuple[pd.Timestamp, int], float] = {}
    for c in range(len(net.demands)):
        for t, j in use_at[c] if c in use_at else flows.delivered_at(c):
            if x[j] * net.scale > 1e-6:
                cell = (net.periods.day_of[t], c)
                bits[cell] = bits.get(cell, 0.0) + x[j] * net.scale
    return bits


def _daily_table(net: _Network, flows: _Flows, x, use_at) -> pd.DataFrame:
    """Bits per UTC day and demand that meet it (:func:`_daily_bits`; days with none left out)."""
    bits: dict[tuple[pd.Timestamp, str], float] = defaultdict(float)
    for (day, c), b in _daily_bits(net, flows, x, use_at).items():
        bits[day, net.demands[c].name] += b
    cells = sorted(bits)  # by date, then demand
    return pd.DataFrame({"date": [c[0] for c in cells], "demand": [c[1] for c in cells],
                         "bits": [bits[c] for c in cells]}, columns=["date", "demand", "bits"])


def _forward_fill(values: dict[int, float], n: int) -> np.ndarray:
    """A per-period series from values set in some periods, held until the next (0 before)."""
    out = np.zeros(n)
    for t in sorted(values):
        out[t:] = values[t]
    return out


def _store_table(net: _Network, flows: _Flows, held, x, start: pd.Timestamp,
                 use_at) -> pd.DataFrame:
    """Key held at each node at the end of each period [bit]: :attr:`RelayResult.stores`.

    *Link key* is what each link's two ends share and have not yet used:
    ``pool[e,t] = pool[e,t-] + g[e,t] - sum_c f[c,e,t]``, the recursion of the
    LP's pool rows without its optional discard (the LP may drop left-over key
    it has no use for; a node keeps it), capped by the ground store on fibre.
    Both ends of a link hold its key. *Relayed key* is key in transit held for
    user pairs at a trusted node (``sum_c h[c,n,t]``, fixed by conservation),
    and at a pair's end ``a`` its copy of the key it sent that has not reached
    ``b`` yet (so forwarding key at the first contact or holding the link key
    until the last, which the LP may choose between, report the same stores),
    and at the end ``b`` of a pair with ``hourly_use``, key delivered and not
    yet used.
    A satellite never holds more than its key store (``key_store_bits``): when
    its links' key and the key in transit exceed it, its links' key is cut
    (each in proportion) in that period, as the LP's store rows require.
    """
    n_per = net.periods.n
    in_transit: dict[str, dict[int, float]] = defaultdict(dict)
    for (n, t), cols in held.by_node_period().items():  # set in the node's periods, held until its next
        in_transit[n][t] = sum(x[j] for j in cols) * net.scale
    relayed = {n: _forward_fill(in_transit.get(n, {}), n_per)
               for n in list(net.satellites) + list(net.ground)}
    sent = np.zeros((len(net.demands), n_per))  # by the pair's end a, not yet at b
    for (c, node, t), cols in flows.outflow().items():
        if node == net.demands[c].a:
            sent[c, t] += sum(x[j] for j in cols) * net.scale
    for c, d in enumerate(net.demands):
        for t, j in flows.delivered_at(c):
            sent[c, t] -= x[j] * net.scale
        relayed[d.a] += np.maximum(np.cumsum(sent[c]), 0.0)
    for c, uses in use_at.items():  # delivered, not yet used
        came, used = np.zeros(n_per), np.zeros(n_per)
        for t, j in flows.delivered_at(c):
            came[t] += x[j] * net.scale
        for t, j in uses:
            used[t] += x[j] * net.scale
        relayed[net.demands[c].b] += np.maximum(np.cumsum(came - used), 0.0)
    active_at: dict[int, list[int]] = defaultdict(list)
    for e in range(len(net.links)):
        for t in net.active[e]:
            active_at[t].append(e)
    own = {s: [e for e, (u, v, _) in enumerate(net.links) if s in (u, v)]
           for s in net.satellites if math.isfinite(net.stores[s])}
    on_link = flows.on_link()
    pool = np.zeros(len(net.links))
    link_key = {n: np.zeros(n_per) for n in relayed}
    for t in range(n_per):
        for e in active_at.get(t, []):
            used = sum(x[j] for _, _, j in on_link[e, t]) * net.scale
            cap = net.ground_store_bits if net.links[e][2] == "fibre" else np.inf
            pool[e] = min(max(pool[e] + net.gen[e].get(t, 0.0) - used, 0.0), cap)
        for s, edges in own.items():
            room = max(net.stores[s] - relayed[s][t], 0.0)
            total = pool[edges].sum()
            if total > room:
                pool[edges] *= room / total
        for e, (u, v, _) in enumerate(net.links):
            link_key[u][t] += pool[e]
            link_key[v][t] += pool[e]
    nodes = list(relayed)  # never empty: every demand has two ground ends
    bounds = pd.to_timedelta(np.asarray(net.periods.bounds_s, dtype=float).reshape(-1, 2).T
                             .ravel(), unit="s")
    starts, ends = start + bounds[:n_per], start + bounds[n_per:]
    links = np.concatenate([link_key[n] for n in nodes])
    transit = np.concatenate([relayed[n] for n in nodes])
    # amounts under the solver's feasibility tolerance (1e-7 of the LP's unit of key) are
    # residues of the simplex, not key: a store "holding" 1e-10 bits holds none
    noise = _STORE_NOISE * net.scale
    links, transit = np.where(links < noise, 0.0, links), np.where(transit < noise, 0.0, transit)
    return pd.DataFrame({
        "node": np.repeat(nodes, n_per),
        "kind": np.repeat(["satellite" if n in net.stores else "ground" for n in nodes], n_per),
        "start_utc": np.tile(starts, len(nodes)), "end_utc": np.tile(ends, len(nodes)),
        "link_key_bits": links, "relayed_key_bits": transit, "stored_bits": links + transit})


def relay_flow(passes, fibre_links: Sequence[FibreLink] = (), demands: Sequence[Demand] = (),
               key_store_bits: float | Mapping[str, float] = math.inf, start=None,
               days: float | None = None, time_step_s: float = 600.0,
               objective: str = "weighted", ground_store_bits: float = math.inf,
               isl_contacts: pd.DataFrame | None = None) -> RelayResult:
    """Route key between user pairs through trusted satellites and fibre.

    Parameters
    ----------
    passes : ScheduleResult or DataFrame or None
        Served passes (``satellite``, ``station``, ``culmination_utc`` and
        ``expected_key_bits`` or ``key_bits``; a ``served`` column filters).
    fibre_links : sequence of FibreLink
    demands : sequence of Demand
    key_store_bits : float or mapping of satellite -> float
        Satellite key-store capacity [bit].
    start : time, optional
        Start of the horizon (default: 0h UTC of the first pass's day).
    days : float, optional
        Length of the horizon [d] (default: whole days covering the passes).
    time_step_s : float
        Slot length of the time expansion [s].
    objective : {'weighted', 'maxmin'}
    ground_store_bits : float
        Key store of each ground node [bit] (default unbounded).
    isl_contacts : DataFrame, optional
        Inter-satellite link contacts (``satellite_a``, ``satellite_b``,
        ``culmination_utc`` and ``key_bits``; e.g.
        :func:`orbitqkd.core.isl.isl_contacts`): each pair of satellites gets a
        link of kind ``'isl'`` between two trusted nodes, so key can move
        between satellites (and through relay satellites never seen by a
        station) without a ground path.

    Returns
    -------
    RelayResult

    Examples
    --------
    Micius as trusted relay between Xinglong and Graz (Liao et al. 2018):

    >>> import pandas as pd
    >>> p = pd.DataFrame({"satellite": ["Micius", "Micius"], "station": ["Xinglong", "Graz"],
    ...                   "culmination_utc": pd.to_datetime(["2017-06-15T17:00Z",
    ...                                                      "2017-06-15T21:00Z"]),
    ...                   "expected_key_bits": [4e5, 3e5]})
    >>> r = relay_flow(p, demands=[Demand("Xinglong", "Graz")], key_store_bits=1e6)
    >>> row = r.demands.loc[0]
    >>> float(row["delivered_bits"]), row["path"], int(row["trusted_nodes"])
    (300000.0, 'Xinglong > Micius > Graz', 1)
    """
    t0 = time.perf_counter()
    _check_arguments(objective, time_step_s, ground_store_bits, demands)
    df = _served_passes(passes)
    df = df[df["key"] > 0]
    inside, sec, start, days = _horizon(df, start, days)
    df = df[inside]
    isl, isl_sec = _isl_inside(isl_contacts, start, days)
    net = _network(df["satellite"].to_numpy(), df["station"].to_numpy(),
                   df["key"].to_numpy(float), sec, start, days, time_step_s, fibre_links,
                   demands, key_store_bits, ground_store_bits, isl, isl_sec)
    lp, flows, held, x, delivered, value, message, use_at = _route(net, objective, start)
    size = {"variables": lp.n, "equalities": lp.n_eq, "inequalities": lp.n_le,
            "periods": net.periods.n}
    return RelayResult(_daily_table(net, flows, x, use_at), objective, value, float(days),
                       time.perf_counter() - t0, message, size,
                       _Solution(net, flows, held, x, delivered, start, use_at))


def _route(net: _Network, objective: str, start: pd.Timestamp):
    """Assemble and solve the relay LP of ``net``: the LP, its flows, held key,
    solution, delivered key [bit], objective value, solver message and uses."""
    lp = _LP()
    node_periods = _node_periods(net)
    link_t = _link_periods(net)
    flows = _add_flows(lp, net, list(node_periods), link_t)
    pools = _add_pools(lp, net, flows, link_t)
    held = _add_held_key(lp, net, flows, node_periods)
    _add_satellite_stores(lp, net, pools, held)
    dvars, use_at = _add_deliveries(lp, net, flows, objective, start)
    message, x, delivered, value = _solve(lp, net, dvars, objective)
    return lp, flows, held, x, delivered, value, message, use_at


def relay_draws(passes, key_bits, fibre_links: Sequence[FibreLink] = (),
                demands: Sequence[Demand] = (), *,
                key_store_bits: float | Mapping[str, float] = math.inf, start=None,
                days: float | None = None, time_step_s: float = 600.0,
                objective: str = "weighted", ground_store_bits: float = math.inf,
                isl_contacts: pd.DataFrame | None = None, reuse: bool = True,
                progress: bool = False,
                threads: int | None = None) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Key each user pair gets per UTC day in each of many draws of the passes' key.

    Each draw (e.g. a draw of the weather, :mod:`orbitqkd.network.forecast`)
    gives every pass its key; the draw is routed as :func:`relay_flow` routes
    those passes with that key (the same LP, the same result), but the
    passes are read and checked once for all draws, and a draw equal to an
    earlier one reuses its key (``reuse``). A draw in which no pass makes key
    still routes the fibre's key.

    Parameters
    ----------
    passes : ScheduleResult or DataFrame
        Served passes, as for :func:`relay_flow` (their own key is not used).
    key_bits : array_like (draws, passes)
        Key of each pass in each draw [bit], passes in the order of ``passes``
        (of its served rows).
    fibre_links, demands, key_store_bits, start, days, time_step_s, objective, ground_store_bits, isl_contacts :
        As for :func:`relay_flow`; ``start`` and ``days`` default to the UTC
        days covering all the passes.
    reuse : bool
        Route each distinct draw once (False: every draw, for benchmarks).
    progress : bool
        Show a progress bar over the draws.
    threads : int, optional
        Threads routing draws at once (HiGHS solves one LP while Python
        assembles the next). Default: one per core, at most 4, for 32
        distinct draws or more; 1 routes them one after another. The result
        does not depend on it.

    Returns
    -------
    dates : DatetimeIndex
        The UTC days of the horizon.
    bits : ndarray (draws, days, demands)
        Key delivered (used, for a pair with ``hourly_use``) [bit].

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"satellite": ["Micius", "Micius"], "station": ["Xinglong", "Graz"],
    ...                   "culmination_utc": pd.to_datetime(["2017-06-15T17:00Z",
    ...                                                      "2017-06-15T21:00Z"]),
    ...                   "expected_key_bits": [4e5, 3e5]})
    >>> dates, bits = relay_draws(p, [[4e5, 3e5], [4e5, 0.0]], demands=[Demand("Xinglong", "Graz")],
    ...                           key_store_bits=1e6)
    >>> bits[:, 0, 0].tolist()
    [300000.0, 0.0]
    """
    _check_arguments(objective, time_step_s, ground_store_bits, demands)
    # the fibre's key rates, once for all draws (the decoy model is not free)
    fibre_links = [dataclasses.replace(f, rate_bps=f.key_rate_bps()) for f in fibre_links]
    df = _served_passes(passes)
    draws = np.asarray(key_bits, dtype=float)
    if draws.ndim != 2 or draws.shape[1] != len(df):
        raise InputError(f"key_bits has shape {draws.shape}; (draws, {len(df)}) is needed, "
                         "one column per served pass")
    check_range("key_bits", draws, 0.0)
    inside, sec, start, days = _horizon(df, start, days)
    draws = draws[:, inside]
    isl, isl_sec = _isl_inside(isl_contacts, start, days)
    sat, sta = df["satellite"].to_numpy()[inside], df["station"].to_numpy()[inside]
    first = start.floor("D")
    n_days = max(int(math.ceil((start + pd.Timedelta(days=days) - first) / pd.Timedelta(days=1)
                               - 1e-9)), 1)
    dates = pd.date_range(first, periods=n_days, freq="D")
    out = np.zeros((len(draws), n_days, len(demands)))
    # the draws to route: each distinct one once (reuse), or every one
    todo: dict = {}
    for k in range(len(draws)):
        on = draws[k] > 0
        if not on.any() and not fibre_links and isl is None:
            continue  # no link makes key: nothing to forward
        todo.setdefault(draws[k].tobytes() if reuse else k, []).append(k)

    def route(k: int) -> np.ndarray:
        on = draws[k] > 0
        net = _network(sat[on], sta[on], draws[k][on], sec[on], start, days, time_step_s,
                       fibre_links, demands, key_store_bits, ground_store_bits, isl, isl_sec)
        _, flows, _, x, _, _, _, use_at = _route(net, objective, start)
        bits = np.zeros((n_days, len(demands)))
        for (day, c), b in _daily_bits(net, flows, x, use_at).items():
            bits[(day - first).days, c] = b
        return bits

    firsts = [ks[0] for ks in todo.values()]
    bar = tqdm(total=len(draws), desc="relay draws", unit="draw", disable=not progress)
    workers = _workers(threads, len(firsts))
    with contextlib.ExitStack() as stack:
        # HiGHS solves without Python's lock: a second thread assembles the next LP meanwhile
        routed = (stack.enter_context(ThreadPoolExecutor(workers)).map(route, firsts)
                  if workers > 1 else map(route, firsts))
        for ks, bits in zip(todo.values(), routed):
            out[ks] = bits
            bar.update(len(ks))
    bar.update(len(draws) - bar.n)
    bar.close()
    return dates, out


def _workers(threads: int | None, tasks: int) -> int:
    """Threads for ``tasks`` relay LPs: ``threads``, or by default one per core (at most 4)
    once there are 32 LPs or more (fewer are quicker alone)."""
    if threads is not None:
        return int(check_range("threads", threads, 1, 64))
    return min(os.cpu_count() or 1, 4) if tasks >= 32 else 1


def _widest_path(weight: Mapping[tuple[str, str], float], a: str, b: str) -> list[str]:
    """Max-bottleneck path from ``a`` to ``b`` over directed edge weights (Dijkstra variant)."""
    adj: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (u, v), w in weight.items():
        adj[u].append((v, w))
    best = {a: math.inf}
    prev: dict[str, str] = {}
    heap = [(-math.inf, a)]
    done = set()
    while heap:
        neg, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        if u == b:
            break
        for v, w in adj[u]:
            width = min(-neg, w)
            if width > best.get(v, 0.0):
                best[v] = width
                prev[v] = u
                heapq.heappush(heap, (-width, v))
    if b not in prev:
        return []
    path = [b]
    while path[-1] != a:
        path.append(prev[path[-1]])
    return path[::-1]


