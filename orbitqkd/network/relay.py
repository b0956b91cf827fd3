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
per delivered bit, falling with time, delivers key as early as an optimum allows
(so the per-day series does not depend on the solver's choice among optima). Solved with HiGHS via
:func:`scipy.optimize.linprog`, interior point with crossover: the tie-breaking
costs are small against the objective, and dual simplex stalls on them for
minutes on LPs where the interior point method takes seconds.

The reported path of a demand is the widest (max-bottleneck) path of its flow
summed over time on the physical network; trusted nodes are its inner nodes.
Rates of fibre links without a measured rate come from
:func:`decoy_bb84_fibre_rate_bps`.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
import time
from collections import defaultdict
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from ..constants import DAY_S
from ..errors import InputError, check_choice, check_range
from ..model import Demand, FibreLink
from ..timescales import parse_utc

OBJECTIVES = ("weighted", "maxmin")
_FLOW_COST = 1e-6
_EARLY_BONUS = 1e-7
_LEXI_TOL = 1e-7


@dataclasses.dataclass(frozen=True, slots=True)
class RelayResult:
    """Outcome of :func:`relay_flow`.

    Attributes
    ----------
    demands : DataFrame
        Per demand: ``delivered_bits``, ``bits_per_day``, ``demand_bits_per_day``,
        ``demand_met`` (fraction), ``path`` (nodes joined by ``' > '``),
        ``trusted_nodes`` and ``satellites_on_path``.
    edges : DataFrame
        Per link: ``kind`` (``'fibre'`` or ``'satellite'``), ``generated_bits``,
        ``used_bits``, ``utilisation``.
    daily : DataFrame
        Bits delivered per demand and UTC day (``date``, ``demand``, ``bits``).
    objective : str
    objective_value : float
        Weighted delivered bits, or for maxmin the least delivery as a fraction
        of the demand (in bits when no pair gives a demand).
    days : float
    solve_time_s : float
    status : str
    size : dict
        LP size: variables, constraints, periods.
    """

    demands: pd.DataFrame
    edges: pd.DataFrame
    daily: pd.DataFrame
    objective: str
    objective_value: float
    days: float
    solve_time_s: float
    status: str
    size: dict

    def summary(self) -> dict:
        return {"objective": self.objective, "objective_value": self.objective_value,
                "days": self.days, "solve_time_s": self.solve_time_s, "status": self.status,
                **self.size}


def _served_passes(passes) -> pd.DataFrame:
    """Served passes with ``expected_key_bits`` from a ScheduleResult or a DataFrame."""
    df = passes.served if hasattr(passes, "served") and not isinstance(passes, pd.DataFrame) \
        else passes
    if df is None:
        return pd.DataFrame({"satellite": pd.Series(dtype=str), "station": pd.Series(dtype=str),
                             "culmination_utc": pd.Series(dtype="datetime64[ns, UTC]"),
                             "key": pd.Series(dtype=float)})
    df = df.copy()
    if "served" in df.columns:
        df = df[df["served"].astype(bool)]
    missing = [c for c in ("satellite", "station", "culmination_utc") if c not in df.columns]
    if missing:
        raise InputError(f"passes lack column(s) {', '.join(missing)} needed by the relay")
    key_col = "expected_key_bits" if "expected_key_bits" in df.columns else "key_bits"
    if key_col not in df.columns:
        raise InputError("passes lack column expected_key_bits or key_bits needed by the relay")
    df["key"] = df[key_col].astype(float)
    check_range(f"passes {key_col}", df["key"].to_numpy(), 0.0)
    df["culmination_utc"] = pd.to_datetime(df["culmination_utc"], utc=True)
    df["satellite"] = df["satellite"].astype(str)
    df["station"] = df["station"].astype(str)
    return df[df["key"] > 0].reset_index(drop=True)


class _LP:
    """Sparse LP assembled row by row (maximisation of ``obj``)."""

    def __init__(self):
        self.n = 0
        self.ub: list[float] = []
        self.obj: list[float] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.eq_rhs: list[float] = []
        self.ub_rows: list[tuple[list[int], list[float], float]] = []

    def var(self, ub=np.inf, obj=0.0) -> int:
        self.ub.append(ub)
        self.obj.append(obj)
        self.n += 1
        return self.n - 1

    def eq(self, cols, vals, rhs):
        r = len(self.eq_rhs)
        self.rows += [r] * len(cols)
        self.cols += list(cols)
        self.vals += list(vals)
        self.eq_rhs.append(rhs)

    def le(self, cols, vals, rhs):
        self.ub_rows.append((list(cols), list(vals), rhs))

    def solve(self, obj=None, extra_le=()):
        c = -np.asarray(self.obj if obj is None else obj, dtype=float)
        a_eq = sparse.csr_array((self.vals, (self.rows, self.cols)),
                                shape=(len(self.eq_rhs), self.n))
        ub_rows = list(self.ub_rows) + list(extra_le)
        if ub_rows:
            r = [i for i, (cols, _, _) in enumerate(ub_rows) for _ in cols]
            cc = [j for cols, _, _ in ub_rows for j in cols]
            vv = [v for _, vals, _ in ub_rows for v in vals]
            a_ub = sparse.csr_array((vv, (r, cc)), shape=(len(ub_rows), self.n))
            b_ub = [rhs for _, _, rhs in ub_rows]
        else:
            a_ub, b_ub = None, None
        bounds = np.column_stack([np.zeros(self.n), np.asarray(self.ub, dtype=float)])
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq if self.eq_rhs else None,
                      b_eq=self.eq_rhs or None, bounds=bounds, method="highs-ipm")
        if res.status != 0:
            raise InputError(f"relay LP not solved: {res.message}")
        return res


def relay_flow(passes, fibre_links: Sequence[FibreLink] = (), demands: Sequence[Demand] = (),
               key_store_bits: float | Mapping[str, float] = math.inf, start=None,
               days: float | None = None, time_step_s: float = 600.0,
               objective: str = "weighted", ground_store_bits: float = math.inf) -> RelayResult:
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
    check_choice("objective", objective, OBJECTIVES)
    check_range("time_step_s", time_step_s, 0.0, low_inclusive=False)
    check_range("ground_store_bits", ground_store_bits, 0.0)
    if not demands:
        raise InputError("demands = [] is empty; give at least one user pair")
    df = _served_passes(passes)
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
    horizon_s = days * DAY_S
    sec = (df["culmination_utc"] - start).dt.total_seconds().to_numpy()
    df = df[(sec >= 0) & (sec < horizon_s)].reset_index(drop=True)
    sec = sec[(sec >= 0) & (sec < horizon_s)]

    satellites = list(pd.unique(df["satellite"]))
    ground = list(dict.fromkeys(
        list(df["station"]) + [x for f in fibre_links for x in (f.a, f.b)]
        + [x for d in demands for x in (d.a, d.b)]))
    for d in demands:
        if d.a in satellites or d.b in satellites:
            raise InputError(f"demand {d.name}: the users must be ground nodes, not satellites")
    clash = set(satellites) & set(ground)
    if clash:
        raise InputError(f"node {sorted(clash)[0]!r} is both a satellite and a ground node")
    stores = {}
    for s in satellites:
        k = key_store_bits.get(s, math.inf) if isinstance(key_store_bits, Mapping) \
            else key_store_bits
        stores[s] = check_range(f"key_store_bits[{s!r}]", k, 0.0)

    # periods: every slot with a pass, and the merged idle gaps between them
    n_slots = max(int(math.ceil(horizon_s / time_step_s - 1e-9)), 1)
    slot = np.minimum((sec // time_step_s).astype(int), n_slots - 1)
    # idle gaps are also cut at UTC midnights: daily demands and the daily
    # series then hold exactly (a pass slot belongs to the day it starts in)
    first_midnight = (start.ceil("D") - start).total_seconds()
    bounds_s = []

    def idle(a, b):
        cuts = np.arange(first_midnight, b, DAY_S)
        edges = [a] + [float(m) for m in cuts if a < m < b] + [b]
        bounds_s.extend(zip(edges[:-1], edges[1:]))

    cursor = 0
    period_of_slot = {}
    for k in sorted(set(slot.tolist())):
        if k > cursor:
            idle(cursor * time_step_s, k * time_step_s)
        period_of_slot[k] = len(bounds_s)
        bounds_s.append((k * time_step_s, (k + 1) * time_step_s))
        cursor = k + 1
    if cursor < n_slots:
        idle(cursor * time_step_s, n_slots * time_step_s)
    # pass slots start before the horizon's end: only trailing idle periods are dropped
    bounds_s = [(a, min(b, horizon_s)) for a, b in bounds_s if a < horizon_s]
    day_of = [(start + pd.Timedelta(seconds=a)).floor("D") for a, _ in bounds_s]
    n_per = len(bounds_s)
    length = np.array([b - a for a, b in bounds_s])
    df["period"] = [period_of_slot[k] for k in slot]

    # links and the periods they may carry flow
    links: list[tuple[str, str, str]] = []  # (u, v, kind)
    gen: list[dict[int, float]] = []
    periods: list[list[int]] = []
    for f in fibre_links:
        links.append((f.a, f.b, "fibre"))
        rate = f.key_rate_bps()
        gen.append({t: rate * length[t] for t in range(n_per)})
        periods.append(list(range(n_per)))
    contact = {s: sorted(set(df.loc[df["satellite"] == s, "period"])) for s in satellites}
    for (s, g), rows in df.groupby(["satellite", "station"], sort=False):
        links.append((g, s, "satellite"))
        made = rows.groupby("period")["key"].sum().to_dict()
        gen.append(made)
        first = min(made)
        periods.append([t for t in contact[s] if t >= first])
    scale = max([max(g.values(), default=0.0) for g in gen] + [1.0])

    lp = _LP()
    # flow variables, indexed by (link, period) -> list of (commodity, direction, var)
    flows: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    inflow: dict[tuple[int, str, int], list[int]] = defaultdict(list)
    outflow: dict[tuple[int, str, int], list[int]] = defaultdict(list)
    delivered_at: list[list[tuple[int, int]]] = [[] for _ in demands]  # (period, var)
    for e, (u, v, _) in enumerate(links):
        for t in periods[e]:
            for c, d in enumerate(demands):
                for direction, (x, y) in enumerate(((u, v), (v, u))):
                    if y == d.a or x == d.b:
                        continue
                    # deliveries earn a tie-breaking bonus falling with time: among
                    # optimal flows, key is delivered as early as it can be
                    early = _EARLY_BONUS * (1.0 - t / n_per) if y == d.b else 0.0
                    j = lp.var(obj=early - _FLOW_COST)
                    flows[e, t].append((c, direction, j))
                    outflow[c, x, t].append(j)
                    inflow[c, y, t].append(j)
                    if y == d.b:
                        delivered_at[c].append((t, j))
    # link key pools
    pool_at: dict[tuple[int, int], int] = {}
    for e, (u, v, kind) in enumerate(links):
        prev = None
        cap = ground_store_bits / scale if kind == "fibre" else np.inf
        for t in periods[e]:
            p = lp.var(ub=cap)
            pool_at[e, t] = p
            cols = [p] + [j for _, _, j in flows[e, t]] + ([prev] if prev is not None else [])
            vals = [1.0] + [1.0] * len(flows[e, t]) + ([-1.0] if prev is not None else [])
            lp.le(cols, vals, gen[e].get(t, 0.0) / scale)  # unused key may be discarded
            prev = p
    # held key and conservation at trusted nodes
    # a node holds key between the periods in which one of its links may carry
    # flow (nothing reaches it in between, so this is exact): every period for
    # nodes on fibre, the contacts of its satellites for a station, its own
    # contacts for a satellite
    active_at: dict[str, set] = defaultdict(set)
    for e, (u, v, _) in enumerate(links):
        active_at[u].update(periods[e])
        active_at[v].update(periods[e])
    node_periods = {n: sorted(active_at[n]) for n in ground}
    node_periods.update(contact)
    held: dict[tuple[str, int], list[int]] = defaultdict(list)
    for c, d in enumerate(demands):
        for n, plist in node_periods.items():
            if n in (d.a, d.b):
                continue
            prev = None
            cap = stores[n] / scale if n in stores else ground_store_bits / scale
            for t in plist:
                ins, outs = inflow.get((c, n, t), []), outflow.get((c, n, t), [])
                if prev is None and not ins:
                    for j in outs:  # causality: nothing has arrived to forward
                        lp.ub[j] = 0.0
                    continue
                h = lp.var(ub=cap)
                held[n, t].append(h)
                cols = ins + outs + [h] + ([prev] if prev is not None else [])
                vals = [1.0] * len(ins) + [-1.0] * len(outs) + [-1.0] + (
                    [1.0] if prev is not None else [])
                lp.eq(cols, vals, 0.0)
                prev = h
    # satellite key stores
    for s in satellites:
        if math.isinf(stores[s]):
            continue
        own = [e for e, (_, v, kind) in enumerate(links) if kind == "satellite" and v == s]
        for t in contact[s]:
            cols = [pool_at[e, t] for e in own if (e, t) in pool_at] + held.get((s, t), [])
            lp.le(cols, [1.0] * len(cols), stores[s] / scale)
    # delivered key per demand, capped by the demand
    dvars = []
    day_share = defaultdict(float)  # share of each UTC day inside the horizon
    for (a, b), k in zip(bounds_s, day_of):
        day_share[k] += (b - a) / DAY_S
    for c, d in enumerate(demands):
        cap = d.bits_per_day * days / scale if d.bits_per_day is not None else np.inf
        j = lp.var(ub=cap, obj=d.weight if objective == "weighted" else 0.0)
        lp.eq([j] + [v for _, v in delivered_at[c]], [1.0] + [-1.0] * len(delivered_at[c]), 0.0)
        dvars.append(j)
        if d.bits_per_day is not None:  # at most the demand in each UTC day
            per_day = defaultdict(list)
            for t, v in delivered_at[c]:
                per_day[day_of[t]].append(v)
            for k, cols in per_day.items():
                lp.le(cols, [1.0] * len(cols), d.bits_per_day * day_share[k] / scale)
    if objective == "maxmin":
        # z: least delivery as a fraction of the demand; pairs without a demand
        # count against the largest demand given, or, with none given, z is in
        # units of ``scale`` bits (well conditioned either way)
        given = [d.bits_per_day for d in demands if d.bits_per_day is not None]
        default_norm = max(given) * days / scale if given else 1.0
        z = lp.var(obj=1.0)
        for c, d in enumerate(demands):
            norm = d.bits_per_day * days / scale if d.bits_per_day is not None else default_norm
            lp.le([z, dvars[c]], [norm, -1.0], 0.0)
        res = lp.solve()
        value = res.x[z] * (1.0 if given else scale)
        obj2 = np.array(lp.obj)
        obj2[z] = 0.0
        for c, d in enumerate(demands):
            obj2[dvars[c]] = d.weight
        res = lp.solve(obj2, extra_le=[([z], [-1.0], -res.x[z] * (1 - _LEXI_TOL))])
        objective_value = float(value)
    else:
        res = lp.solve()
    x = np.maximum(res.x, 0.0)  # HiGHS may return -0.0 or -1e-12
    delivered = np.array([x[j] * scale for j in dvars])
    if objective == "weighted":
        objective_value = float(sum(d.weight * b for d, b in zip(demands, delivered)))

    # per-edge usage
    edge_rows = []
    for e, (u, v, kind) in enumerate(links):
        used = sum(x[j] for t in periods[e] for _, _, j in flows[e, t]) * scale
        made = sum(gen[e].values())
        edge_rows.append({"a": u, "b": v, "kind": kind, "generated_bits": made,
                          "used_bits": used, "utilisation": used / made if made > 0 else 0.0})
    edges = pd.DataFrame(edge_rows, columns=["a", "b", "kind", "generated_bits", "used_bits",
                                             "utilisation"])
    # per demand: path and daily series
    dem_rows, daily_rows = [], []
    for c, d in enumerate(demands):
        weight: dict[tuple[str, str], float] = defaultdict(float)
        for e, (u, v, _) in enumerate(links):
            for t in periods[e]:
                for cc, direction, j in flows[e, t]:
                    if cc == c and x[j] > 1e-9:
                        weight[(u, v) if direction == 0 else (v, u)] += x[j] * scale
        path = _widest_path(weight, d.a, d.b) if delivered[c] > 1e-6 else []
        per_day = delivered[c] / days
        demand_day = d.bits_per_day
        dem_rows.append({
            "demand": d.name, "a": d.a, "b": d.b, "delivered_bits": delivered[c],
            "bits_per_day": per_day, "demand_bits_per_day": demand_day,
            "demand_met": min(per_day / demand_day, 1.0) if demand_day else np.nan,
            "path": " > ".join(path), "trusted_nodes": max(len(path) - 2, 0),
            "satellites_on_path": sum(n in stores for n in path),
        })
        for t, j in delivered_at[c]:
            if x[j] * scale > 1e-6:
                daily_rows.append({"date": day_of[t], "demand": d.name, "bits": x[j] * scale})
    daily = pd.DataFrame(daily_rows, columns=["date", "demand", "bits"])
    if not daily.empty:
        daily = daily.groupby(["date", "demand"], as_index=False)["bits"].sum()
    size = {"variables": lp.n, "equalities": len(lp.eq_rhs), "inequalities": len(lp.ub_rows),
            "periods": n_per}
    return RelayResult(pd.DataFrame(dem_rows), edges, daily, objective, objective_value,
                       float(days), time.perf_counter() - t0, str(res.message), size)


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


