import itertools

import numpy as np
import pandas as pd
import pytest

from conftest import make_pass, random_passes
from orbitqkd.errors import InputError, UnknownNameError
from orbitqkd.network import schedule as schedule_module
from orbitqkd.network.schedule import ScheduleConfig, rolling_horizon, schedule_passes
from orbitqkd.plot import gantt_figure


def _feasible(df, subset, cfg):
    """Direct check: at every start point no resource exceeds its capacity."""
    start = (df["rise_utc"] - df["rise_utc"].min()).dt.total_seconds().to_numpy()
    end = (df["set_utc"] - df["rise_utc"].min()).dt.total_seconds().to_numpy() + cfg.repoint_s
    sub = list(subset)
    for kind, col in (("satellite", "satellite"), ("station", "station")):
        for name in df[col].unique():
            mine = [i for i in sub if df.at[i, col] == name]
            cap = cfg.capacity(kind, name)
            for j in mine:
                if sum(start[i] <= start[j] < end[i] for i in mine) > cap:
                    return False
    return True


def _value(df, subset, cfg, eligible):
    w = df["key_bits"].to_numpy()
    per = {g: 0.0 for g in df.loc[eligible, "station"].unique()}
    for i in subset:
        per[df.at[i, "station"]] += w[i]
    if cfg.objective == "total":
        return sum(per.values())
    if cfg.objective == "maxmin":
        return min(per.values())
    return sum(min(per.get(g, 0.0), d) for g, d in cfg.demands_bits.items())


def _brute_force(df, cfg):
    eligible = (df["duration_s"] >= cfg.min_pass_s).to_numpy()
    if cfg.night_only:
        eligible = eligible & df["dark"].to_numpy()
    idx = np.flatnonzero(eligible)
    best = 0.0
    for r in range(len(idx) + 1):
        for subset in itertools.combinations(idx, r):
            if _feasible(df, subset, cfg):
                best = max(best, _value(df, subset, cfg, eligible))
    return best


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("objective", ["total", "maxmin", "demand"])
def test_milp_matches_brute_force_and_greedy_is_below(seed, objective):
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(10):
        rows.append(make_pass(f"S{rng.integers(2)}", f"G{rng.integers(3)}",
                              rng.uniform(0, 40), rng.uniform(30, 600),
                              rng.integers(1, 100) * 1e4, dark=bool(rng.random() < 0.7)))
    df = pd.DataFrame(rows).sort_values("rise_utc").reset_index(drop=True)
    demands = {"G0": 1.5e6, "G1": 4e5, "G2": 8e5} if objective == "demand" else {}
    cfg = ScheduleConfig(objective=objective, demands_bits=demands, repoint_s=90,
                         min_pass_s=60, night_only=seed % 2 == 1,
                         telescopes_per_station=1 + seed % 2)
    expected = _brute_force(df, cfg)
    exact = schedule_passes(df, cfg, "milp")
    greedy = schedule_passes(df, cfg, "greedy")
    assert exact.objective_value == pytest.approx(expected, rel=1e-6)
    assert greedy.objective_value <= exact.objective_value * (1 + 1e-9)
    assert greedy.bound >= exact.objective_value * (1 - 1e-9)  # LP relaxation bounds the optimum
    assert 0.0 <= exact.gap <= 1e-3 and 0.0 <= greedy.gap <= 1.0
    for res in (exact, greedy):
        served = np.flatnonzero(res.passes["served"].to_numpy())
        assert _feasible(res.passes, served, cfg)
        if cfg.night_only:
            assert res.served["dark"].all()
        assert (res.served["duration_s"] >= cfg.min_pass_s).all()


def test_conflicts_and_repointing_by_hand():
    rows = [make_pass("S", "A", 0, 300, 5e5),       # 0-5 min, window to 6 min
            make_pass("S", "B", 5.5, 300, 4e5),     # starts inside the re-point time
            make_pass("S", "C", 6.5, 300, 3e5),     # clear of the first
            make_pass("T", "A", 2, 300, 1e5)]       # same telescope as the first
    cfg = ScheduleConfig(repoint_s=60)
    res = schedule_passes(pd.DataFrame(rows), cfg)
    assert sorted(res.served["station"] + res.served["satellite"]) == ["AS", "CS"]
    assert res.objective_value == 8e5
    two = schedule_passes(pd.DataFrame(rows), ScheduleConfig(repoint_s=60, telescopes_per_station=2))
    assert two.objective_value == 9e5  # T over A now fits on the second telescope


def test_maxmin_fairness_by_hand():
    # S can serve A (big) or B (small) at the same time, then A again later.
    rows = [make_pass("S", "A", 0, 300, 9e5), make_pass("S", "B", 1, 300, 2e5),
            make_pass("S", "A", 20, 300, 1e5)]
    total = schedule_passes(pd.DataFrame(rows), ScheduleConfig())
    fair = schedule_passes(pd.DataFrame(rows), ScheduleConfig(objective="maxmin"))
    assert total.objective_value == 1e6
    assert fair.objective_value == 1e5  # min(A=1e5, B=2e5)
    assert set(fair.served["key_bits"]) == {2e5, 1e5}
    assert fair.stations.set_index("station")["expected_key_bits"].to_dict() == {"A": 1e5, "B": 2e5}


def test_cloud_free_probability_column_and_config():
    rows = [make_pass("S", "A", 0, 300, 1e6), make_pass("S", "B", 1, 300, 8e5)]
    cfg = ScheduleConfig(cloud_free_probability={"A": 0.5})
    res = schedule_passes(pd.DataFrame(rows), cfg)
    assert list(res.served["station"]) == ["B"]
    rows[1]["cloud_free_probability"] = 0.25
    res = schedule_passes(pd.DataFrame(rows), cfg)
    assert list(res.served["station"]) == ["A"] and res.objective_value == 5e5


def test_rolling_horizon_close_to_full_milp():
    df = random_passes(2, 3, days=4, seed=3)
    cfg = ScheduleConfig(repoint_s=120)
    full = schedule_passes(df, cfg)
    rolled = rolling_horizon(df, cfg, horizon_days=2, step_days=1)
    served = np.flatnonzero(rolled.passes["served"].to_numpy())
    assert _feasible_fast(rolled.passes, served, cfg)
    assert rolled.objective_value <= full.objective_value * (1 + 1e-9)
    assert rolled.objective_value >= 0.97 * full.objective_value
    assert rolled.method == "rolling-milp" and rolled.gap >= 0


@pytest.mark.parametrize("seed", range(3))
def test_total_milp_by_independent_blocks_equals_one_model(seed, monkeypatch):
    """Blocks of one component each give the optimum of the whole model, with a proven gap."""
    df = random_passes(4, 5, days=3, seed=seed, per_station_day=6)
    cfg = ScheduleConfig(repoint_s=120, mip_gap=0.0, telescopes_per_station={"GS-0": 2})
    monkeypatch.setattr(schedule_module, "_BLOCK_PASSES", 10**9)
    whole = schedule_passes(df, cfg)
    assert "blocks" not in whole.status
    monkeypatch.setattr(schedule_module, "_BLOCK_PASSES", 1)
    split = schedule_passes(df, cfg)
    n_blocks = int(split.status.split("; ")[1].split()[0])
    assert n_blocks > 5  # the instance does fall apart into components
    served = np.flatnonzero(split.passes["served"].to_numpy())
    assert _feasible(split.passes, served, cfg)
    assert split.objective_value == pytest.approx(whole.objective_value, rel=1e-9)
    assert split.bound == pytest.approx(split.objective_value, rel=1e-9) and split.gap < 1e-9


def _feasible_fast(df, served, cfg):
    start = df["rise_utc"].to_numpy("datetime64[ns]").astype("int64") / 1e9
    end = df["set_utc"].to_numpy("datetime64[ns]").astype("int64") / 1e9 + cfg.repoint_s
    for col in ("satellite", "station"):
        for _, g in df.iloc[served].groupby(col):
            i = g.index.to_numpy()
            order = np.argsort(start[i])
            if np.any(start[i][order][1:] < end[i][order][:-1]):
                return False
    return True


def test_gantt_figure(tmp_path):
    from orbitqkd.io.tables import save_figure

    res = schedule_passes(random_passes(2, 3, days=1, seed=1), ScheduleConfig())
    path = save_figure(gantt_figure(res), tmp_path / "g.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_errors():
    with pytest.raises(UnknownNameError, match=r"^objective = 'fair' is not known; choose one of: total, maxmin, demand$"):
        ScheduleConfig(objective="fair")
    with pytest.raises(InputError, match=r"^repoint_s = -1 is outside the range repoint_s >= 0$"):
        ScheduleConfig(repoint_s=-1)
    with pytest.raises(InputError, match=r"^objective = 'demand' needs demands_bits"):
        ScheduleConfig(objective="demand")
    with pytest.raises(InputError, match=r"^telescopes_per_station = 1.5 is not a whole number"):
        ScheduleConfig(telescopes_per_station=1.5)
    with pytest.raises(InputError, match=r"^passes lack column\(s\) key_bits; required: satellite"):
        schedule_passes(pd.DataFrame([make_pass("S", "A", 0, 300, 1)]).drop(columns="key_bits"))
    with pytest.raises(InputError, match=r"^passes key_bits = -1 is outside the range"):
        schedule_passes(pd.DataFrame([make_pass("S", "A", 0, 300, -1)]))
    with pytest.raises(UnknownNameError, match=r"^method = 'exact' is not known"):
        schedule_passes(pd.DataFrame([make_pass("S", "A", 0, 300, 1)]), method="exact")


def test_solver_prints_stay_off_stdout(capfd):
    # HiGHS's MIP solver printf()s some diagnostics; a --format csv table must stay clean
    import os

    from orbitqkd.network.highs import redirect_stdout_fd

    with redirect_stdout_fd(2):
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution\n")
    out, err = capfd.readouterr()
    assert "HighsMipSolverData" not in out and "HighsMipSolverData" in err
    os.write(1, b"after\n")
    assert capfd.readouterr().out == "after\n"


def test_highs_banner_stays_off_stdout():
    # the first highspy.Highs of a process printf()s a banner; the relay's must not
    import subprocess
    import sys

    code = "from orbitqkd.network.highs import quiet_highs; quiet_highs().run(); print('done')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "done\n"
    banner = subprocess.run([sys.executable, "-c", "import highspy; highspy.Highs()"],
                            capture_output=True, text=True, check=True)
    assert "HiGHS" in banner.stdout  # what is kept off: the check above can fail


def test_solve_milp_matches_brute_force_and_reports_infeasible():
    import itertools

    from scipy import sparse

    from orbitqkd.network.highs import solve_milp

    rng = np.random.default_rng(7)
    w = rng.random(10)
    a = sparse.csr_array((rng.random((6, 10)) < 0.4).astype(float))
    cap = np.array([1, 2, 1, 1, 2, 1], float)
    res = solve_milp(-w, np.ones(10), 0.0, 1.0, a, -np.inf, cap, mip_rel_gap=0.0)
    best = max(w @ x for x in itertools.product((0, 1), repeat=10)
               if np.all(a @ np.array(x) <= cap))
    assert res.status == 0 and -res.fun == pytest.approx(best, rel=1e-9)
    assert np.all(a @ res.x <= cap + 1e-9) and -res.mip_dual_bound == pytest.approx(best)
    # x0 + x1 >= 3 with binaries: infeasible, no point
    bad = solve_milp([1.0, 1.0], [1, 1], 0.0, 1.0, sparse.csr_array([[1.0, 1.0]]), 3.0, np.inf)
    assert bad.status == 2 and bad.x is None and "nfeasible" in bad.message
