"""Daily key-availability forecasts with cloud-cover uncertainty.

Clouds decide whether a scheduled pass yields key. A station's passes in one
night share the same sky, so the Monte Carlo draws one clear/cloudy outcome per
station and night (the local solar night, from noon to noon), with the
station's cloud-free line-of-sight probability for that night. Key totals per
station, per user pair and per day are then quantiles over the draws (P10,
P50, P90), with a fixed seed for reproducible forecasts.

References
----------
.. [1] Fuchs & Moll, "Ground station network optimization for space-to-ground
   optical communication links", J. Opt. Commun. Netw. 7, 1148 (2015): cloud-
   free line-of-sight statistics and station diversity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError, check_range

DEFAULT_QUANTILES = (0.1, 0.5, 0.9)


def night_index(time_utc, longitude_deg) -> np.ndarray:
    """Local solar night of each time, as whole days since 1970-01-01.

    The night that begins on local date D (local mean solar time = UTC +
    longitude / 15 h) runs from noon on D to noon on D + 1 and gets index D.

    >>> night_index(pd.to_datetime(["2016-12-19T16:50Z", "2016-12-19T03:50Z"]), 117.6).tolist()
    [17154, 17153]
    """
    t = pd.DatetimeIndex(pd.to_datetime(time_utc, utc=True))
    hours = (t.tz_convert("UTC").tz_localize(None) - pd.Timestamp("1970-01-01")) / pd.Timedelta(hours=1)
    local = np.asarray(hours, float) + np.asarray(longitude_deg, float) / 15.0 - 12.0
    return np.floor(local / 24.0).astype(np.int64)


def sample_clear_sky(group, p_clear, samples: int, seed: int = 0) -> np.ndarray:
    """Clear-sky outcomes, one draw per group shared by its members.

    Parameters
    ----------
    group : array_like (n,)
        Group label of each pass (e.g. station and night); members share a draw.
    p_clear : array_like (n,)
        Cloud-free probability of each pass [0-1]; a group uses its members' mean.
    samples : int
        Number of Monte Carlo draws.
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives the same draws.

    Returns
    -------
    ndarray of bool, shape (samples, n)
    """
    check_range("samples", samples, 1, 1_000_000)
    p = np.asarray(p_clear, dtype=float)
    check_range("cloud_free_probability", p, 0.0, 1.0)
    codes, uniques = pd.factorize(pd.Series(list(group)) if np.ndim(group) else pd.Series(group))
    n_groups = len(uniques)
    p_group = np.bincount(codes, weights=p, minlength=n_groups) / np.maximum(
        np.bincount(codes, minlength=n_groups), 1)
    rng = np.random.default_rng(seed)
    clear = rng.random((samples, n_groups)) < p_group
    return clear[:, codes]


def quantile_bands(values, quantiles=DEFAULT_QUANTILES) -> dict:
    """Mean and quantiles over the first axis (the Monte Carlo draws).

    Returns a dict with ``expected`` and ``p10``/``p50``/``p90`` style keys
    (``p`` + the quantile in percent), each an array over the other axes.

    >>> b = quantile_bands(np.array([[0.0], [10.0], [20.0]]), (0.5,))
    >>> float(b["expected"][0]), float(b["p50"][0])
    (10.0, 10.0)
    """
    v = np.asarray(values, dtype=float)
    out = {"expected": v.mean(axis=0)}
    for q in quantiles:
        check_range("quantile", q, 0.0, 1.0)
        out[f"p{round(q * 100):d}"] = np.quantile(v, q, axis=0)
    return out


def with_cloud_probability(passes: pd.DataFrame, source=None, default: float | None = None,
                           overrides=None) -> pd.DataFrame:
    """Add ``cloud_free_probability`` to each pass from the climatology.

    The value is the station's for the UTC date of culmination: a daily
    forecast row of ``source`` if there is one, else the monthly climatology
    (:func:`orbitqkd.io.climate.cloud_free_probability`). ``overrides`` (station
    -> probability) wins over both; stations missing from the climatology take
    ``default`` when given, else raise.
    """
    from ..io.climate import cloud_free_probability
    from ..errors import UnknownNameError

    out = passes.copy()
    p = np.full(len(out), np.nan)
    overrides = dict(overrides or {})
    dates = pd.to_datetime(out["culmination_utc"], utc=True).dt.strftime("%Y-%m-%d")
    for station, rows in out.groupby("station").groups.items():
        idx = out.index.get_indexer(rows)
        if station in overrides:
            p[idx] = float(overrides[station])
            continue
        try:
            p[idx] = cloud_free_probability(station, date=list(dates.iloc[idx]), source=source)
        except UnknownNameError:
            if default is None:
                raise
            p[idx] = default
    out["cloud_free_probability"] = p
    return out


def _band_frame(values, keys: pd.DataFrame, unit: str, quantiles) -> pd.DataFrame:
    bands = quantile_bands(values, quantiles)
    out = keys.reset_index(drop=True).copy()
    for name, arr in bands.items():
        out[f"{name}_{unit}"] = arr
    return out


def _sum_by(values, labels: pd.DataFrame):
    """Sum the columns of ``values`` (samples, n) within groups of ``labels`` rows."""
    grouped = labels.reset_index(drop=True).groupby(list(labels.columns), sort=True)
    codes = grouped.ngroup().to_numpy()
    keys = grouped.size().reset_index()[list(labels.columns)]
    onehot = np.zeros((len(labels), len(keys)))
    onehot[np.arange(len(labels)), codes] = 1.0
    return values @ onehot, keys


def forecast_key(candidates: pd.DataFrame, stations, *, config=None, method: str = "milp",
                 fibre_links=(), demands=(), key_store_bits: float = np.inf,
                 samples: int = 500, relay_samples: int = 50, seed: int = 0,
                 quantiles=DEFAULT_QUANTILES, time_step_s: float = 600.0,
                 relay_objective: str = "weighted", ground_store_bits: float = np.inf):
    """Key per station and per user pair and day, with cloud-cover bands.

    Parameters
    ----------
    candidates : pandas.DataFrame
        Candidate passes with ``key_bits`` (:func:`orbitqkd.chain.candidate_passes`)
        and ``cloud_free_probability`` (:func:`with_cloud_probability`).
    stations : list of GroundStation
        For the stations' longitudes (local nights share one cloud draw).
    config : orbitqkd.network.schedule.ScheduleConfig, optional
        Scheduler settings; the schedule maximises expected key (key x cloud-free probability).
    method : {'milp', 'greedy'}
    fibre_links, demands, key_store_bits, time_step_s, relay_objective, ground_store_bits :
        Trusted-relay network and its objective (:func:`orbitqkd.network.relay.relay_flow`);
        no demands, no pair table.
    samples : int
        Cloud draws for the station table.
    relay_samples : int
        Cloud draws (the first ones of the same stream) routed through the relay LP.
    seed : int
        Seed of the draws: a forecast is reproducible.

    Returns
    -------
    dict
        ``stations`` (per UTC date and station: served passes, mean cloud-free
        probability, ``expected_bits``, ``p10_bits``, ``p50_bits``,
        ``p90_bits``), ``pairs`` (per UTC date and demand, same bands),
        ``schedule`` (the :class:`~orbitqkd.network.schedule.ScheduleResult`).
    """
    from .relay import relay_flow
    from .schedule import ScheduleConfig, schedule_passes

    check_range("relay_samples", relay_samples, 0, samples)
    for col in ("key_bits", "cloud_free_probability"):
        if col not in candidates:
            raise InputError(f"candidates lack column {col!r}; see candidate_passes and "
                             "with_cloud_probability")
    check_range("key_bits", candidates["key_bits"].to_numpy(float), 0.0)
    check_range("cloud_free_probability", candidates["cloud_free_probability"].to_numpy(float),
                0.0, 1.0)
    result = schedule_passes(candidates, config or ScheduleConfig(), method=method)
    served = result.served
    longitude = {s.name: s.longitude_deg for s in stations}
    culm = pd.to_datetime(served["culmination_utc"], utc=True)
    night = night_index(culm, served["station"].map(longitude).to_numpy(float))
    clear = sample_clear_sky(served["station"].astype(str) + ":" + pd.Series(night).astype(str),
                             served["cloud_free_probability"].to_numpy(float), samples, seed)
    realised = clear * served["key_bits"].to_numpy(float)[None, :]
    labels = pd.DataFrame({"date": culm.dt.strftime("%Y-%m-%d"), "station": served["station"]})
    per_group, keys = _sum_by(realised, labels) if len(served) else (np.zeros((samples, 0)),
                                                                    labels)
    table = _band_frame(per_group, keys, "bits", quantiles)
    if len(served):
        extra = served.assign(date=labels["date"]).groupby(["date", "station"]).agg(
            served_passes=("key_bits", "size"),
            cloud_free_probability=("cloud_free_probability", "mean"))
        table = table.merge(extra.reset_index(), on=["date", "station"], how="left")
    pairs = pd.DataFrame()
    if len(demands) and len(served) and relay_samples:
        first = culm.min().normalize()
        days = max(1, int(np.ceil((culm.max() - first) / pd.Timedelta(days=1)) + 1e-9))
        rows = []
        for k in range(relay_samples):
            sample = served.assign(key_bits=realised[k], expected_key_bits=realised[k])
            flow = relay_flow(sample, fibre_links, demands, key_store_bits=key_store_bits,
                              start=first, days=days, time_step_s=time_step_s,
                              objective=relay_objective, ground_store_bits=ground_store_bits)
            rows.append(flow.daily.assign(sample=k))
        daily = pd.concat(rows, ignore_index=True)
        daily["date"] = pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d")
        wide = daily.pivot_table(index="sample", columns=["date", "demand"], values="bits",
                                 aggfunc="sum", fill_value=0.0)
        keys = wide.columns.to_frame(index=False)
        pairs = _band_frame(wide.to_numpy(), keys, "bits", quantiles)
    return {"stations": table, "pairs": pairs, "schedule": result}


def forecast_figure(result: dict, title: str = "Secret key forecast"):
    """Expected key per day with P10-P90 bands: one panel for stations, one for user pairs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("stations", "station", "ground station (shared with the satellite)")]
    if len(result.get("pairs", [])):
        panels.append(("pairs", "demand", "user pair (through trusted relays)"))
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 3.6 * len(panels)), squeeze=False)
    for ax, (key, col, label) in zip(axes[:, 0], panels):
        df = result[key]
        if not len(df):
            ax.text(0.5, 0.5, "no served passes", ha="center", transform=ax.transAxes)
            continue
        dates = sorted(df["date"].unique())
        names = sorted(df[col].unique())
        width = 0.8 / len(names)
        for j, name in enumerate(names):
            d = df[df[col] == name].set_index("date").reindex(dates)
            x = np.arange(len(dates)) + (j - (len(names) - 1) / 2) * width
            mid = d["expected_bits"].fillna(0) / 1e6
            lo = (d["expected_bits"] - d["p10_bits"]).clip(lower=0).fillna(0) / 1e6
            hi = (d["p90_bits"] - d["expected_bits"]).clip(lower=0).fillna(0) / 1e6
            ax.bar(x, mid, width, label=name)
            ax.errorbar(x, mid, yerr=[lo, hi], fmt="none", ecolor="k", capsize=2, lw=0.8)
        ax.set_xticks(np.arange(len(dates)), dates, rotation=30, ha="right")
        positive = df["expected_bits"][df["expected_bits"] > 0]
        if len(positive) and positive.max() > 100 * positive.min():
            ax.set_yscale("log")  # fibre and satellite pairs differ by decades
        ax.set_ylabel("secret key [Mbit]")
        ax.set_title(f"Expected key per {label}; bars P10-P90 over cloud cover")
        ax.legend(fontsize="small", ncol=min(len(names), 4))
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def write_forecast(result: dict, out_dir, *, title: str = "Secret key forecast",
                   notes: str = "", formats=("csv", "parquet")) -> list:
    """Write the forecast tables, a PNG plot and a self-contained HTML report.

    Every file is written atomically into ``out_dir`` (which must exist):
    ``stations.<fmt>``, ``pairs.<fmt>``, ``schedule.<fmt>`` (served passes),
    ``forecast.png`` and ``report.html``. Returns the paths written.
    """
    import matplotlib.pyplot as plt
    from pathlib import Path

    from ..errors import InputError
    from ..io.tables import html_report, save_figure, write_table, write_text

    out = Path(out_dir)
    if not out.is_dir():
        raise InputError(f"output directory = '{out}' does not exist")
    written = []
    served = result["schedule"].served
    for name, df in (("stations", result["stations"]), ("pairs", result["pairs"]),
                     ("schedule", served)):
        for fmt in formats:
            written.append(write_table(df, out / f"{name}.{fmt}"))
    fig = forecast_figure(result, title)
    written.append(save_figure(fig, out / "forecast.png"))
    summary = pd.DataFrame([result["schedule"].summary()])
    blocks = [("", notes)] if notes else []
    blocks += [("Key per station and day", result["stations"]), ("Forecast", fig)]
    if len(result["pairs"]):
        blocks.append(("Key per user pair and day", result["pairs"]))
    cols = [c for c in ("satellite", "station", "rise_utc", "set_utc", "max_elevation_deg",
                        "key_bits", "cloud_free_probability", "expected_key_bits") if c in served]
    blocks += [("Schedule", summary), ("Served passes", served[cols])]
    written.append(write_text(html_report(title, blocks), out / "report.html"))
    plt.close(fig)
    return written


def forecast_scenario(scenario, *, start=None, days: float | None = None, samples: int = 500,
                      relay_samples: int = 50, seed: int = 0, climate_source=None,
                      step_s: float = 5.0, progress: bool = False, scheduler=None) -> dict:
    """Daily key forecast of a scenario (:class:`orbitqkd.io.scenario.Scenario`).

    ``start`` and ``days`` override the scenario's span (e.g. the next N days);
    with a Dask ``scheduler`` the candidate passes are computed in shards.
    Returns :func:`forecast_key`'s dict plus ``candidates`` and ``scenario``.
    """
    from ..chain import scenario_candidates

    changes = {k: v for k, v in (("start", start), ("days", days)) if v is not None}
    if changes:
        scenario = scenario.replace(**changes)
    candidates = scenario_candidates(scenario, step_s=step_s, progress=progress,
                                     climate_source=climate_source, scheduler=scheduler)
    result = forecast_key(
        candidates, list(scenario.stations), config=scenario.schedule,
        method=scenario.schedule_method, fibre_links=scenario.fibre_links,
        demands=scenario.demands, key_store_bits=scenario.key_store_bits, samples=samples,
        relay_samples=relay_samples, seed=seed, time_step_s=scenario.relay_time_step_s,
        relay_objective=scenario.relay_objective, ground_store_bits=scenario.ground_store_bits)
    result.update(candidates=candidates, scenario=scenario)
    return result
