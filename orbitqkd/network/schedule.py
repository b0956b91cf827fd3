"""Choose which ground station each satellite serves, and when.

A candidate pass ``i`` (one satellite over one station) occupies the
satellite's optical terminal and one of the station's telescopes over the
window ``[rise_i, set_i + repoint_s)``. Serving it yields the expected secret
key ``w_i = key_bits_i * p_i`` where ``p_i`` is the cloud-free probability of
the pass (a ``cloud_free_probability`` column, else the per-station value of
the configuration, else 1).

Formulation (binary integer programme)
--------------------------------------
Variables ``x_i in {0, 1}``: pass ``i`` is served. A pass is *eligible* when
``duration_s >= min_pass_s``, ``w_i > 0`` and, with ``night_only``, the
station is dark; ineligible passes are fixed to 0.

Resource constraints. Each satellite ``s`` has ``K_s`` terminals and each
station ``g`` has ``K_g`` telescopes. The windows of one resource form an
interval graph, whose maximal cliques are the sets of windows containing
some window's start point (Golumbic 1980, ch. 8; Gilmore & Gomory 1964), so
"at most K_r windows in use at any instant" is exactly::

    sum_{i in C_j} x_i <= K_r      for every start point j of resource r,
    C_j = {i : start_i <= start_j < end_i}

(only the maximal ``C_j`` with ``|C_j| > K_r`` are written).

Objectives (``ScheduleConfig.objective``):

* ``'total'``: maximise ``sum_i w_i x_i``.
* ``'maxmin'``: maximise ``z`` subject to ``z <= B_g + sum_{i in g} w_i x_i``
  for every station ``g`` with at least one eligible pass (``B_g`` is key
  already committed, used by the rolling horizon); then, with ``z`` held at
  its optimum, maximise the total key (lexicographic max-min fairness in its
  first level, Bertsekas & Gallager, *Data Networks*, 1992, sec. 6.5.2).
* ``'demand'``: maximise ``sum_g y_g`` with ``0 <= y_g <= d_g - B_g`` and
  ``y_g <= sum_{i in g} w_i x_i``: the key delivered towards each station's
  demand ``d_g`` (bits), key beyond a demand earning nothing; then maximise the
  total key with that held.

The MILP is solved with HiGHS through ``highspy`` (:func:`orbitqkd.network.highs.solve_milp`)
(Huangfu & Hall, Math. Prog. Comp. 10, 119 (2018)); its dual bound gives the
optimality gap ``(bound - value) / bound`` of the first-level objective.
With the ``'total'`` objective the model separates exactly: passes interact
only through the clique rows they share, so the connected components of the
pass-clique graph are independent problems. They are packed in time order
into blocks of about a thousand passes and solved one after another; values
and dual bounds add up (a month of 100 satellites over 25 stations: 66
blocks, 4.1 s against 35-37 s as one model, ``scripts/bench_schedule_scale.py``).
The greedy heuristic adds passes in order of expected key (and of key per
occupied second; the better of both orders is kept) whenever the capacity of
both resources allows; for ``'maxmin'`` it first serves the station with the
least key, for ``'demand'`` the largest unmet demand. Its gap is measured
against the linear-programming relaxation bound of the same model.

Long spans are solved by a rolling horizon (Sethi & Sorger, Ann. Oper. Res.
29, 387 (1991)): windows of ``horizon_days`` advanced by ``step_days``; the
decisions on passes rising in the first ``step_days`` of each window are
committed and constrain the next windows.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ..errors import InputError, check_choice, check_range
from .highs import solve_milp

OBJECTIVES = ("total", "maxmin", "demand")
METHODS = ("milp", "greedy")
PASS_COLUMNS = (
    "satellite", "norad_id", "station", "rise_utc", "culmination_utc", "set_utc",
    "max_elevation_deg", "duration_s", "min_range_km", "sun_elevation_deg", "dark",
    "key_bits",
)
# Relative tolerance when a first-level optimum is held in the second level.
_LEXI_TOL = 1e-7
# Passes per block of the total-key MILP (see _blocks) and the least time a block gets [s].
_BLOCK_PASSES = 1000
_MIN_BLOCK_TIME_S = 1.0
# A relative gap below this is the rounding of sums, reported as 0.
_GAP_ROUNDING = 1e-12


def _count_map(field: str, value) -> int | dict[str, int]:
    """Validate a resource count: an int >= 1 or a mapping name -> int >= 1."""
    if isinstance(value, Mapping):
        out = {}
        for name, k in value.items():
            check_range(f"{field}[{name!r}]", k, 1)
            if int(k) != k:
                raise InputError(f"{field}[{name!r}] = {k} is not a whole number of terminals")
            out[str(name)] = int(k)
        return out
    check_range(field, value, 1)
    if int(value) != value:
        raise InputError(f"{field} = {value} is not a whole number >= 1")
    return int(value)


@dataclasses.dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """Parameters of the pass scheduler.

    Parameters
    ----------
    terminals_per_satellite : int or mapping of satellite -> int
        Optical terminals per satellite (passes it can serve at once).
    telescopes_per_station : int or mapping of station -> int
        Receiving telescopes per station.
    repoint_s : float
        Re-pointing (slew and acquisition) time added after each pass [s].
    min_pass_s : float
        Shortest pass worth serving [s].
    night_only : bool
        Serve only passes with the station in darkness (``dark`` column).
    objective : {'total', 'maxmin', 'demand'}
        Total key, max-min fairness across stations, or meeting demands.
    demands_bits : mapping of station -> float
        Per-station key demand over the scheduled span [bit] (``'demand'``).
    cloud_free_probability : mapping of station -> float
        Probability of a cloud-free pass [0-1] for rows without their own.
    time_limit_s : float
        Wall-clock limit of each MILP solve [s] (shared by the blocks of a
        total-key solve; each block gets at least 1 s).
    mip_gap : float
        Relative optimality gap at which the MILP stops [0-1).
    """

    terminals_per_satellite: int | Mapping[str, int] = 1
    telescopes_per_station: int | Mapping[str, int] = 1
    repoint_s: float = 60.0
    min_pass_s: float = 60.0
    night_only: bool = False
    objective: str = "total"
    demands_bits: Mapping[str, float] = dataclasses.field(default_factory=dict)
    cloud_free_probability: Mapping[str, float] = dataclasses.field(default_factory=dict)
    time_limit_s: float = 60.0
    mip_gap: float = 1e-4

    def __post_init__(self):
        object.__setattr__(self, "terminals_per_satellite",
                           _count_map("terminals_per_satellite", self.terminals_per_satellite))
        object.__setattr__(self, "telescopes_per_station",
                           _count_map("telescopes_per_station", self.telescopes_per_station))
        check_range("repoint_s", self.repoint_s, 0.0)
        check_range("min_pass_s", self.min_pass_s, 0.0)
        check_choice("objective", self.objective, OBJECTIVES)
        for name, d in dict(self.demands_bits).items():
            check_range(f"demands_bits[{name!r}]", d, 0.0, low_inclusive=False)
        for name, p in dict(self.cloud_free_probability).items():
            check_range(f"cloud_free_probability[{name!r}]", p, 0.0, 1.0)
        check_range("time_limit_s", self.time_limit_s, 0.0, low_inclusive=False)
        check_range("mip_gap", self.mip_gap, 0.0, 1.0, high_inclusive=False)
        if self.objective == "demand" and not self.demands_bits:
            raise InputError("objective = 'demand' needs demands_bits for at least one station")

    def capacity(self, kind: str, name: str) -> int:
        """Terminal count of satellite (``kind='satellite'``) or station ``name``."""
        value = (self.terminals_per_satellite if kind == "satellite"
                 else self.telescopes_per_station)
        if isinstance(value, dict):
            return value.get(name, 1)
        return value


@dataclasses.dataclass(frozen=True, slots=True)
class ScheduleResult:
    """Outcome of :func:`schedule_passes` or :func:`rolling_horizon`.

    Attributes
    ----------
    passes : DataFrame
        Every candidate pass with ``expected_key_bits``, ``eligible`` and
        ``served`` columns, sorted by rise time.
    stations : DataFrame
        Per station: ``passes_served``, ``expected_key_bits``, ``demand_bits``
        and ``demand_met`` (fraction, NaN without a demand).
    objective : str
        The objective optimised.
    objective_value : float
        Its value: total bits, the least station's bits, or bits towards demands.
    bound : float
        Upper bound on the objective (MILP dual bound or LP relaxation) [bit].
    gap : float
        Relative optimality gap ``(bound - value) / bound`` (0 when bound is 0).
    method : str
        ``'milp'``, ``'greedy'`` or ``'rolling-milp'`` / ``'rolling-greedy'``.
    solve_time_s : float
        Wall-clock time [s].
    status : str
        Solver message.
    """

    passes: pd.DataFrame
    stations: pd.DataFrame
    objective: str
    objective_value: float
    bound: float
    gap: float
    method: str
    solve_time_s: float
    status: str

    @property
    def served(self) -> pd.DataFrame:
        """The served passes only."""
        return self.passes[self.passes["served"]].reset_index(drop=True)

    def summary(self) -> dict:
        """Scalars of the result as a JSON-ready dict."""
        return {
            "objective": self.objective, "method": self.method,
            "objective_value": self.objective_value, "bound": self.bound, "gap": self.gap,
            "passes_served": int(self.passes["served"].sum()),
            "total_expected_key_bits": float(self.served["expected_key_bits"].sum()),
            "solve_time_s": self.solve_time_s, "status": self.status,
        }


def prepare_passes(passes_df: pd.DataFrame, config: ScheduleConfig) -> pd.DataFrame:
    """Validate candidate passes; add ``expected_key_bits`` and ``eligible``.

    Returns a copy sorted by rise time with a fresh index.
    """
    missing = [c for c in PASS_COLUMNS if c not in passes_df.columns]
    if missing:
        raise InputError(
            f"passes lack column(s) {', '.join(missing)}; required: {', '.join(PASS_COLUMNS)}")
    df = passes_df.copy()
    for col in ("rise_utc", "culmination_utc", "set_utc"):
        df[col] = pd.to_datetime(df[col], utc=True)
    df["satellite"] = df["satellite"].astype(str)
    df["station"] = df["station"].astype(str)
    check_range("passes key_bits", df["key_bits"].to_numpy(float), 0.0)
    check_range("passes duration_s", df["duration_s"].to_numpy(float), 0.0)
    if (df["set_utc"] < df["rise_utc"]).any():
        bad = df.index[df["set_utc"] < df["rise_utc"]][0]
        raise InputError(f"passes row {bad}: set_utc = {df.at[bad, 'set_utc'].isoformat()} "
                         f"is before rise_utc = {df.at[bad, 'rise_utc'].isoformat()}")
    if "cloud_free_probability" in df.columns:
        p = df["cloud_free_probability"].to_numpy(float)
        missing_p = np.isnan(p)
    else:
        p = np.full(len(df), np.nan)
        missing_p = np.ones(len(df), bool)
    station_p = df["station"].map(dict(config.cloud_free_probability)).to_numpy(float)
    p = np.where(missing_p, np.where(np.isnan(station_p), 1.0, station_p), p)
    check_range("passes cloud_free_probability", p, 0.0, 1.0)
    df["cloud_free_probability"] = p
    df["expected_key_bits"] = df["key_bits"].to_numpy(float) * p
    eligible = (df["duration_s"].to_numpy(float) >= config.min_pass_s) & (
        df["expected_key_bits"].to_numpy() > 0)
    if config.night_only:
        eligible &= df["dark"].astype(bool).to_numpy()
    df["eligible"] = eligible
    return df.sort_values(["rise_utc", "satellite", "station"], kind="stable").reset_index(drop=True)


def _seconds(series: pd.Series) -> np.ndarray:
    return series.to_numpy("datetime64[ns]").astype("int64") / 1e9


class _Problem:
    """Index structures shared by the MILP, the LP bound and the greedy."""

    def __init__(self, df: pd.DataFrame, config: ScheduleConfig):
        self.config = config
        self.w = df["expected_key_bits"].to_numpy(float)
        self.eligible = df["eligible"].to_numpy(bool)
        self.start = _seconds(df["rise_utc"])
        self.end = _seconds(df["set_utc"]) + config.repoint_s
        self.duration = self.end - self.start
        self.stations = list(pd.unique(df["station"]))
        self.station_of = df["station"].map({s: i for i, s in enumerate(self.stations)}).to_numpy()
        self.groups: list[tuple[np.ndarray, int]] = []  # (pass indices, capacity)
        self.group_of: list[list[int]] = [[] for _ in range(len(df))]
        for kind, col in (("satellite", "satellite"), ("station", "station")):
            for name, idx in df.groupby(col, sort=False).indices.items():
                gid = len(self.groups)
                self.groups.append((np.sort(idx), config.capacity(kind, name)))
                for i in idx:
                    self.group_of[i].append(gid)

    def cliques(self, active: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Maximal cliques (over active passes) of each resource exceeding its capacity."""
        out = []
        for idx, cap in self.groups:
            idx = idx[active[idx]]
            if len(idx) <= cap:
                continue
            idx = idx[np.argsort(self.start[idx], kind="stable")]
            s, e = self.start[idx], self.end[idx]
            for j in range(len(idx)):
                members = idx[:j + 1][e[:j + 1] > s[j]]
                if len(members) <= cap:
                    continue
                # C_j is contained in C_{j+1} when none of its windows ends by s_{j+1}
                if j + 1 < len(idx) and self.end[members].min() > s[j + 1]:
                    continue
                out.append((members, cap))
        return out


def _clique_matrix(prob: _Problem, active: np.ndarray):
    """Clique rows over ``active`` passes: (sparse 0/1 matrix, capacities)."""
    cliques = prob.cliques(active)
    if not cliques:
        return None, np.zeros(0)
    rows = np.repeat(np.arange(len(cliques)), [len(m) for m, _ in cliques])
    cols = np.concatenate([m for m, _ in cliques])
    a = sparse.csr_array((np.ones(len(cols)), (rows, cols)), shape=(len(cliques), len(prob.w)))
    return a, np.array([cap for _, cap in cliques], float)


def _blocks(a, active: np.ndarray, block_passes: int) -> list[np.ndarray]:
    """Independent blocks of the passes ``active`` under the clique rows ``a``.

    Two passes interact only through a clique row they share, so the
    connected components of the pass-clique graph can be optimised apart when
    the objective is a sum over passes. Components are packed in time order
    (passes are sorted by rise) into blocks of at least ``block_passes``
    passes, so that HiGHS solves a few mid-sized models instead of thousands
    of tiny ones or one large one.
    """
    n = len(active)
    idx = np.flatnonzero(active)
    if a is None:
        return [idx]
    r = a.shape[0]
    incidence = a.tocoo()
    graph = sparse.coo_array((np.ones(incidence.nnz), (incidence.col, n + incidence.row)),
                             shape=(n + r, n + r))
    _, label = connected_components(graph, directed=False)
    comp = label[idx]
    # first pass of each component in time order, then cut into blocks
    first = np.full(label.max() + 1, n)
    np.minimum.at(first, comp, idx)
    order = np.argsort(first[comp], kind="stable")
    comp_sorted = comp[order]
    starts = np.flatnonzero(np.r_[True, comp_sorted[1:] != comp_sorted[:-1]])
    blocks, begin = [], 0
    for s in starts[1:]:
        if s - begin >= block_passes:
            blocks.append(idx[order[begin:s]])
            begin = s
    blocks.append(idx[order[begin:]])
    return blocks


def _solve_model(prob: _Problem, active: np.ndarray, fixed: np.ndarray, base: np.ndarray,
                 integral: bool, time_limit_s: float):
    """Solve the (MI)LP over passes ``active``; passes ``fixed`` are forced served.

    The total-key MILP is solved block by block (:func:`_blocks`); the value
    and the dual bound are the sums over blocks, so the gap of the whole is at
    most the largest gap of a block.

    Returns (x, first-level value, first-level bound, status message).
    """
    cfg = prob.config
    n = len(prob.w)
    scale = max(prob.w[active].max(initial=0.0), 1.0)
    w = prob.w / scale
    clique_a, clique_cap = _clique_matrix(prob, active)
    if cfg.objective == "total" and integral:
        t0 = time.perf_counter()
        x = np.zeros(n)
        value = bound = 0.0
        statuses = []
        blocks = _blocks(clique_a, active, _BLOCK_PASSES)
        for cols in blocks:
            lb = np.where(fixed[cols], 1.0, 0.0)
            if clique_a is None:
                sub, keep = None, np.zeros(0, bool)
            else:
                keep = np.asarray(clique_a[:, cols].sum(axis=1)).ravel() > 0
                sub = clique_a[np.flatnonzero(keep)][:, cols]
            left = max(time_limit_s - (time.perf_counter() - t0), _MIN_BLOCK_TIME_S)
            res = solve_milp(-w[cols], np.ones(len(cols)), lb, 1.0,
                             sub if keep.any() else None, -np.inf, clique_cap[keep],
                             time_limit_s=left, mip_rel_gap=float(cfg.mip_gap))
            if res.x is None:
                raise InputError(f"scheduler found no solution: {res.message}")
            x[cols] = res.x
            value += -res.fun * scale
            dual = res.mip_dual_bound
            bound += max(-dual * scale, -res.fun * scale) if dual is not None else -res.fun * scale
            statuses.append((res.status, str(res.message)))
        worst = max(statuses)[1]
        status = (worst if len(blocks) == 1 else
                  f"{worst}; {len(blocks)} independent blocks of up to "
                  f"{max(len(b) for b in blocks)} passes")
        return x > 0.5, value, bound, status
    n_st = len(prob.stations)
    obj = cfg.objective
    demand = np.array([cfg.demands_bits.get(s, 0.0) for s in prob.stations]) / scale
    has_pass = np.bincount(prob.station_of[active], minlength=n_st) > 0
    fair = np.flatnonzero(has_pass) if obj == "maxmin" else np.flatnonzero(demand > 0)
    n_aux = (1 if obj == "maxmin" else len(fair)) if obj != "total" else 0
    nv = n + n_aux
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0
    for k, g in enumerate(fair):
        members = np.flatnonzero(active & (prob.station_of == g))
        aux = n if obj == "maxmin" else n + k
        rows += [r] * (len(members) + 1)
        cols += list(members) + [aux]
        vals += list(-w[members]) + [1.0]
        lo.append(-np.inf)
        hi.append(base[g] / scale)
        r += 1
    aux_lb = np.zeros(n_aux)
    aux_ub = np.full(n_aux, np.inf)
    if obj == "demand":
        aux_ub = np.maximum(demand[fair] - base[fair] / scale, 0.0)
    lb = np.concatenate([np.where(fixed, 1.0, 0.0), aux_lb])
    ub = np.concatenate([np.where(active | fixed, 1.0, 0.0), aux_ub])
    integrality = np.concatenate([np.full(n, 1 if integral else 0), np.zeros(n_aux)])
    c1 = np.zeros(nv)
    if obj == "total":
        c1[:n] = -w
    else:
        c1[n:] = -1.0
    blocks_a, row_lo, row_hi = [], [], []
    if clique_a is not None:
        blocks_a.append(sparse.hstack([clique_a, sparse.csr_array((clique_a.shape[0], n_aux))]))
        row_lo.append(np.full(clique_a.shape[0], -np.inf))
        row_hi.append(clique_cap)
    if r:
        blocks_a.append(sparse.csr_array((vals, (rows, cols)), shape=(r, nv)))
        row_lo.append(np.asarray(lo, dtype=float))
        row_hi.append(np.asarray(hi, dtype=float))

    def solve(cost, extra=None):
        parts, los, his = list(blocks_a), list(row_lo), list(row_hi)
        if extra is not None:
            parts.append(extra[0])
            los.append(np.array([extra[1]]))
            his.append(np.array([np.inf]))
        a = sparse.vstack(parts) if parts else None
        return solve_milp(cost, integrality, lb, ub, a,
                          np.concatenate(los) if los else None,
                          np.concatenate(his) if his else None,
                          time_limit_s=float(time_limit_s), mip_rel_gap=float(cfg.mip_gap))

    res = solve(c1)
    if res.x is None:
        raise InputError(f"scheduler found no solution: {res.message}")
    value = -res.fun * scale
    bound = value
    if integral and res.mip_dual_bound is not None:
        bound = max(-res.mip_dual_bound * scale, value)
    x = res.x
    if obj != "total" and res.status == 0:
        # second level: maximise the total key with the first-level optimum held
        keep = sparse.csr_array(-c1.reshape(1, -1))
        floor = (value / scale) * (1.0 - _LEXI_TOL) - 1e-9
        res2 = solve(np.concatenate([-w, np.zeros(n_aux)]), (keep, floor))
        if res2.x is not None:
            x = res2.x
    served = (x[:n] > 0.5) if integral else x[:n]
    return served, value, bound, str(res.message)


def _objective_value(prob: _Problem, served: np.ndarray, base: np.ndarray) -> float:
    cfg = prob.config
    per_station = base + np.bincount(prob.station_of, weights=prob.w * served,
                                     minlength=len(prob.stations))
    if cfg.objective == "total":
        return float(per_station.sum())
    if cfg.objective == "maxmin":
        has = np.bincount(prob.station_of[prob.eligible], minlength=len(prob.stations)) > 0
        return float(per_station[has].min()) if has.any() else 0.0
    demand = np.array([cfg.demands_bits.get(s, 0.0) for s in prob.stations])
    return float(np.minimum(per_station, demand).sum())


def _fits(prob: _Problem, i: int, chosen: list[list[int]]) -> bool:
    """Whether pass ``i`` fits every resource given the passes already chosen."""
    s, e = prob.start[i], prob.end[i]
    for gid in prob.group_of[i]:
        cap = prob.groups[gid][1]
        sel = np.asarray(chosen[gid], dtype=int)
        if len(sel) < cap:
            continue
        ov = sel[(prob.start[sel] < e) & (prob.end[sel] > s)]
        if len(ov) < cap:
            continue
        points = np.concatenate([[s], prob.start[ov][prob.start[ov] > s]])
        depth = ((prob.start[ov][None, :] <= points[:, None])
                 & (prob.end[ov][None, :] > points[:, None])).sum(axis=1)
        if depth.max() >= cap:
            return False
    return True


def _greedy(prob: _Problem, active: np.ndarray, fixed: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Greedy selection; see the module docstring."""
    cfg = prob.config
    best, best_value = None, -np.inf
    for key in (prob.w, prob.w / np.maximum(prob.duration, 1.0)):
        served = fixed.copy()
        chosen: list[list[int]] = [[] for _ in prob.groups]
        for i in np.flatnonzero(fixed):
            for gid in prob.group_of[i]:
                chosen[gid].append(i)

        def take(i):
            served[i] = True
            for gid in prob.group_of[i]:
                chosen[gid].append(i)

        order = np.array([i for i in np.argsort(-key, kind="stable")
                          if active[i] and not fixed[i]], dtype=int)
        if cfg.objective in ("maxmin", "demand"):
            totals = base + np.bincount(prob.station_of, weights=prob.w * served,
                                        minlength=len(prob.stations))
            demand = np.array([cfg.demands_bits.get(s, 0.0) for s in prob.stations])
            rem = np.ones(len(order), bool)
            st = prob.station_of[order]
            while rem.any():
                if cfg.objective == "maxmin":
                    g = st[rem][np.argmin(totals[st[rem]])]
                    k = np.flatnonzero(rem & (st == g))[0]
                else:
                    gains = np.where(rem, np.minimum(prob.w[order],
                                                     np.maximum(demand - totals, 0.0)[st]), -1.0)
                    k = int(np.argmax(gains))
                    if gains[k] <= 0:
                        break
                rem[k] = False
                if _fits(prob, order[k], chosen):
                    take(order[k])
                    totals[st[k]] += prob.w[order[k]]
        for i in order:  # fill the remaining capacity with key
            if not served[i] and _fits(prob, i, chosen):
                take(i)
        value = (_objective_value(prob, served, base), float((prob.w * served).sum()))
        if best is None or value > best_value:
            best, best_value = served, value
    return best


def _result(df: pd.DataFrame, prob: _Problem, served: np.ndarray, bound: float, method: str,
            t0: float, status: str) -> ScheduleResult:
    cfg = prob.config
    out = df.copy()
    out["served"] = np.asarray(served, bool)
    value = _objective_value(prob, out["served"].to_numpy(), np.zeros(len(prob.stations)))
    bound = max(float(bound), value)
    gap = (bound - value) / bound if bound > 0 else 0.0
    gap = 0.0 if gap < _GAP_ROUNDING else gap  # sums over blocks differ in the last bits
    per = out[out["served"]].groupby("station")["expected_key_bits"].agg(["count", "sum"])
    stations = pd.DataFrame({"station": prob.stations})
    stations["passes_served"] = stations["station"].map(per["count"]).fillna(0).astype(int)
    stations["expected_key_bits"] = stations["station"].map(per["sum"]).fillna(0.0)
    stations["demand_bits"] = stations["station"].map(dict(cfg.demands_bits)).astype(float)
    stations["demand_met"] = np.minimum(stations["expected_key_bits"] / stations["demand_bits"], 1.0)
    return ScheduleResult(out, stations, cfg.objective, value, bound, gap, method,
                          time.perf_counter() - t0, status)


def schedule_passes(passes_df: pd.DataFrame, config: ScheduleConfig | None = None,
                    method: str = "milp") -> ScheduleResult:
    """Choose the passes to serve; see the module docstring for the model.

    Parameters
    ----------
    passes_df : DataFrame
        Candidate passes with the columns of :data:`PASS_COLUMNS` (times
        tz-aware UTC) and optionally ``cloud_free_probability``.
    config : ScheduleConfig
        Resources, constraints and objective.
    method : {'milp', 'greedy'}
        Exact MILP (HiGHS) or the greedy heuristic.

    Returns
    -------
    ScheduleResult

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Timestamp("2016-12-19T15:00Z")
    >>> m = pd.Timedelta(minutes=1)
    >>> rows = [dict(satellite="S", norad_id=1, station=g, rise_utc=t + a * m,
    ...              culmination_utc=t + (a + 2) * m, set_utc=t + (a + 4) * m,
    ...              max_elevation_deg=50.0, duration_s=240.0, min_range_km=600.0,
    ...              sun_elevation_deg=-20.0, dark=True, key_bits=k)
    ...         for g, a, k in [("Xinglong", 0, 3e5), ("Nanshan", 3, 2e5), ("Graz", 10, 1e5)]]
    >>> r = schedule_passes(pd.DataFrame(rows), ScheduleConfig(repoint_s=60))
    >>> list(r.served["station"]), r.objective_value, r.gap
    (['Xinglong', 'Graz'], 400000.0, 0.0)
    """
    config = config or ScheduleConfig()
    check_choice("method", method, METHODS)
    t0 = time.perf_counter()
    df = prepare_passes(passes_df, config)
    prob = _Problem(df, config)
    active = df["eligible"].to_numpy()
    none = np.zeros(len(df), bool)
    base = np.zeros(len(prob.stations))
    if not len(df) or not active.any():
        return _result(df, prob, none, 0.0, method, t0, "no eligible passes")
    if method == "milp":
        served, _, bound, status = _solve_model(prob, active, none, base, True,
                                                config.time_limit_s)
    else:
        served = _greedy(prob, active, none, base)
        _, bound, _, _ = _solve_model(prob, active, none, base, False, config.time_limit_s)
        status = "greedy; bound from the LP relaxation"
    return _result(df, prob, served, bound, method, t0, status)


def rolling_horizon(passes_df: pd.DataFrame, config: ScheduleConfig | None = None,
                    horizon_days: float = 3.0, step_days: float = 1.0,
                    method: str = "milp") -> ScheduleResult:
    """Schedule a long span window by window (rolling horizon).

    Each window covers passes rising in ``[t, t + horizon_days)``; decisions on
    passes rising before ``t + step_days`` are committed, and committed passes
    still occupying a terminal are held served in the next window. Key already
    committed counts towards the ``'maxmin'`` and ``'demand'`` objectives of
    later windows. The gap is measured against the LP relaxation bound of the
    whole span.
    """
    config = config or ScheduleConfig()
    check_choice("method", method, METHODS)
    check_range("horizon_days", horizon_days, 0.0, low_inclusive=False)
    check_range("step_days", step_days, 0.0, horizon_days, low_inclusive=False)
    t0 = time.perf_counter()
    df = prepare_passes(passes_df, config)
    prob = _Problem(df, config)
    eligible = df["eligible"].to_numpy()
    served = np.zeros(len(df), bool)
    decided = np.zeros(len(df), bool)
    if not len(df) or not eligible.any():
        return _result(df, prob, served, 0.0, f"rolling-{method}", t0, "no eligible passes")
    day = 86400.0
    t = prob.start.min()
    last = prob.start.max()
    windows = 0
    while t <= last:
        in_window = (prob.start >= t) & (prob.start < t + horizon_days * day)
        active = eligible & in_window & ~decided
        fixed = served & (prob.end > t)
        # key committed earlier; passes held fixed are counted by the model itself
        base = np.bincount(prob.station_of, weights=prob.w * (served & ~fixed),
                           minlength=len(prob.stations))
        if active.any():
            if method == "milp":
                x, *_ = _solve_model(prob, active | fixed, fixed, base, True, config.time_limit_s)
            else:
                x = _greedy(prob, active, fixed, base)
            commit = active & (prob.start < t + step_days * day)
            served |= commit & x
        decided |= prob.start < t + step_days * day
        t += step_days * day
        windows += 1
    _, bound, _, _ = _solve_model(prob, eligible, np.zeros(len(df), bool),
                                  np.zeros(len(prob.stations)), False, config.time_limit_s)
    return _result(df, prob, served, bound, f"rolling-{method}", t0,
                   f"{windows} windows of {horizon_days:g} d advanced by {step_days:g} d")


