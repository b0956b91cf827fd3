"""Every figure orbitqkd draws: link budgets, schedules (Gantt), relays and forecasts.

Functions return a :class:`matplotlib.figure.Figure` and never switch the
caller's backend; the CLI saves them with :func:`orbitqkd.io.tables.save_figure`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .core.budget import LOSS_COLUMNS, LinkBudget
from .network.relay import RelayResult
from .network.schedule import ScheduleResult


def budget_figure(budget: LinkBudget, title: str | None = None):
    """Loss components and elevation against time along one pass."""
    x = budget.time_utc
    fig, (ax, ax_el) = plt.subplots(2, 1, figsize=(8, 6), sharex=True,
                                    gridspec_kw={"height_ratios": [3, 1]})
    for col in LOSS_COLUMNS:
        ax.plot(x, getattr(budget, col), label=col.removesuffix("_loss_db"))
    ax.plot(x, budget.total_loss_db, color="k", lw=2, label="total")
    ax.set_ylabel("loss [dB]")
    ax.invert_yaxis()
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=3)
    if title is None:
        lk, tr = budget.link, budget.track
        sat = tr.satellite.name if tr is not None and tr.satellite is not None else ""
        sta = tr.station.name if tr is not None else ""
        title = (f"{lk.name}: {sat} over {sta}, {lk.transmitter.wavelength_nm:g} nm "
                 f"{lk.direction}")
    ax.set_title(title)
    if budget.track is not None:
        ax_el.plot(x, budget.track.elevation_deg, color="tab:gray")
    ax_el.set_ylabel("elevation [deg]")
    ax_el.set_xlabel("time [UTC]")
    ax_el.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig


def gantt_figure(result: ScheduleResult, title: str | None = None, label_limit: int = 80):
    """Gantt chart of the served passes: one row per station, bars coloured by satellite.

    Each served pass is drawn at least 0.4 % of the span wide (a 7 min pass in
    three days would otherwise be a hairline) and, up to ``label_limit``
    passes, labelled with its expected key and maximum elevation.
    """
    served = result.served
    stations = list(result.stations["station"])
    fig, ax = plt.subplots(figsize=(11, 0.6 * max(len(stations), 2) + 1.8))
    sats = list(pd.unique(result.passes["satellite"]))
    cmap = plt.get_cmap("tab10" if len(sats) <= 10 else "tab20")
    if len(result.passes):  # the whole span of the candidates, not only the served ones
        t0 = result.passes["rise_utc"].min().tz_localize(None)
        t1 = result.passes["set_utc"].max().tz_localize(None)
        ax.set_xlim(t0, t1)
        min_width = (t1 - t0) * 0.004
    row = {s: i for i, s in enumerate(stations)}
    for k, sat in enumerate(sats):
        rows = served[served["satellite"] == sat]
        if rows.empty:
            continue
        y = rows["station"].map(row).to_numpy()
        start = rows["rise_utc"].dt.tz_localize(None)
        width = (rows["set_utc"] - rows["rise_utc"]).clip(lower=min_width)
        ax.barh(y, width.to_numpy(), left=start.to_numpy(), height=0.55, color=cmap(k % cmap.N),
                label=sat)
        if len(served) <= label_limit:
            key = rows.get("expected_key_bits", rows.get("key_bits"))
            for yy, x0, w, kb, el in zip(y, start, width, key, rows["max_elevation_deg"]):
                ax.text(x0 + w / 2, yy - 0.33, f"{kb / 1e3:,.0f} kbit, {el:.0f}\u00b0",
                        ha="center", va="bottom", fontsize=6.5)
    ax.set_yticks(range(len(stations)), stations)
    ax.set_ylim(len(stations) - 0.4, -0.8)
    ax.set_xlabel("time (UTC)")
    ax.set_title(title or f"Served passes ({result.method}, objective {result.objective}): "
                          "expected key and maximum elevation")
    if len(sats):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                  title="satellite")
    ax.grid(axis="x", alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def map_figure(stations, tracks=(), paths=(), rings=(), title: str = "Network"):
    """A map (equirectangular) of stations, ground tracks of served passes and relay paths.

    Parameters
    ----------
    stations : sequence of GroundStation
    tracks : sequence of (label, longitude_deg array, latitude_deg array)
        Sub-satellite tracks, e.g. of the served passes.
    paths : sequence of (label, [(longitude_deg, latitude_deg), ...])
        Relay paths through nodes with known positions.
    rings : sequence of [[lon, lat], ...]
        Coastline rings (the bundled Natural Earth 1:110m outlines).
    """
    fig, ax = plt.subplots(figsize=(10, 5.2))
    for ring in rings:
        xy = np.asarray(ring, float)
        ax.fill(xy[:, 0], xy[:, 1], color="#ececec", edgecolor="#b0b0b0", lw=0.4, zorder=0)
    lon = np.array([s.longitude_deg for s in stations], float)
    lon = np.where(lon > 180, lon - 360, lon)
    lat = np.array([s.latitude_deg for s in stations], float)
    for label, tlon, tlat in tracks:
        tlon = np.asarray(tlon, float)
        jump = np.abs(np.diff(tlon)) > 180  # break lines at the antimeridian
        tlon = np.insert(tlon, np.flatnonzero(jump) + 1, np.nan)
        tlat = np.insert(np.asarray(tlat, float), np.flatnonzero(jump) + 1, np.nan)
        ax.plot(tlon, tlat, lw=1.0, alpha=0.7, color="tab:blue", zorder=2)
    for label, nodes in paths:
        xy = np.asarray(nodes, float)
        if len(xy) > 1:
            ax.plot(xy[:, 0], xy[:, 1], lw=2.0, ls="--", color="tab:red", alpha=0.8, zorder=3,
                    label=label)
    ax.scatter(lon, lat, marker="^", s=60, color="k", zorder=4)
    for s, x, y in zip(stations, lon, lat):
        ax.annotate(s.name, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=8)
    pad = 25.0
    ax.set_xlim(max(-180, np.nanmin(lon) - pad), min(180, np.nanmax(lon) + pad))
    ax.set_ylim(max(-90, np.nanmin(lat) - pad), min(90, np.nanmax(lat) + pad))
    ax.set_aspect("equal")
    ax.set_xlabel("longitude [deg]")
    ax.set_ylabel("latitude [deg]")
    ax.set_title(title)
    if paths:
        ax.legend(fontsize="x-small", loc="lower left")
    ax.grid(alpha=0.3)
    return fig


def relay_figure(result: RelayResult, title: str | None = None):
    """Key delivered per user pair and UTC day (bars, log scale), with each pair's path."""
    daily = result.daily
    names = list(result.demands["demand"]) if len(result.demands) else []
    fig, ax = plt.subplots(figsize=(10, 4.2))
    if daily.empty:
        ax.text(0.5, 0.5, "no key delivered", ha="center", transform=ax.transAxes)
    else:
        dates = sorted(daily["date"].unique())
        width = 0.8 / max(len(names), 1)
        for j, name in enumerate(names):
            d = daily[daily["demand"] == name].set_index("date")["bits"].reindex(dates)
            x = np.arange(len(dates)) + (j - (len(names) - 1) / 2) * width
            path = result.demands.loc[result.demands["demand"] == name, "path"].iloc[0]
            ax.bar(x, d.fillna(0.0).to_numpy() / 1e6, width,
                   label=f"{name}: {path}" if path else f"{name}: no path")
        ax.set_xticks(np.arange(len(dates)), [pd.Timestamp(t).strftime("%Y-%m-%d")
                                              for t in dates])
        ax.set_yscale("log")
        ax.legend(fontsize="x-small", loc="best")
    ax.set_ylabel("key delivered [Mbit]")
    ax.set_title(title or f"Key delivered per user pair and day ({result.objective})")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def stores_figure(result: RelayResult, title: str | None = None):
    """Key held at each node over time (steps, log scale): satellites solid, ground nodes dashed."""
    stores = result.stores
    fig, ax = plt.subplots(figsize=(10, 4.2))
    holding = [(node, rows) for node, rows in stores.groupby("node", sort=False)
               if (rows["stored_bits"] > 0).any()]
    if not holding:
        ax.text(0.5, 0.5, "no key held", ha="center", transform=ax.transAxes)
    for node, rows in holding:
        bits = rows["stored_bits"].to_numpy(float)
        kind = rows["kind"].iloc[0]
        # held at the end of each period
        ax.step(pd.to_datetime(rows["end_utc"]), np.where(bits > 0, bits, np.nan), where="post",
                ls="-" if kind == "satellite" else "--", lw=1.2, label=f"{node} ({kind})")
    if holding:
        ax.set_yscale("log")
        ax.legend(fontsize="x-small", loc="best", ncol=2)
    ax.set_xlabel("UTC")
    ax.set_ylabel("key held [bit]")
    ax.set_title(title or "Key held at each node (unused link key + key in transit)")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def forecast_figure(result: dict, title: str = "Secret key forecast"):
    """Expected key per day with P10-P90 bands: one panel for stations, one for user pairs."""
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


def pareto_figure(table: pd.DataFrame, objective: str = "delivered_bits",
                  title: str | None = None):
    """Design sweep: ``objective`` against satellites, marker size by stations, front joined.

    ``table`` is :func:`orbitqkd.design.sweep_designs`'s (``n_satellites``,
    ``n_stations``, ``pareto`` and the objective).
    """
    fig, ax = plt.subplots(figsize=(8, 5))
    stations = sorted(pd.unique(table["n_stations"]))
    cmap = plt.get_cmap("viridis")
    scale = 1e6 if objective.endswith("_bits") else 1.0
    for k, n in enumerate(stations):
        rows = table[table["n_stations"] == n]
        ax.scatter(rows["n_satellites"], rows[objective] / scale, s=40,
                   color=cmap(k / max(len(stations) - 1, 1)), alpha=0.6,
                   label=f"{n} station{'s' if n != 1 else ''}")
    front = table[table["pareto"].astype(bool)].sort_values(["n_satellites", "n_stations"])
    ax.scatter(front["n_satellites"], front[objective] / scale, s=140, facecolors="none",
               edgecolors="k", linewidths=1.5, label="Pareto front")
    for row in front.itertuples():
        ax.annotate(f"#{row.design}", (row.n_satellites, getattr(row, objective) / scale),
                    textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_xlabel("satellites")
    unit = " [Mbit]" if scale == 1e6 else ""
    ax.set_ylabel(objective.removesuffix("_bits").replace("_", " ") + unit)
    ax.set_xticks(sorted(pd.unique(table["n_satellites"])))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or f"Design sweep: {objective.replace('_', ' ')} (front: no design "
                          "does better with as few satellites and stations)", fontsize=10)
    fig.tight_layout()
    return fig


def annual_figure(stations_monthly: pd.DataFrame, link_time_monthly: pd.DataFrame,
                  title: str = "Key over the year"):
    """Expected key per station and month with its P10-P90 band over weather years,
    above the link time of the candidate passes per month.

    Takes :func:`orbitqkd.design.annual_statistics`'s ``stations_monthly``
    and ``link_time_monthly``; a month without served passes shows no key.
    """
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True,
                                      gridspec_kw={"height_ratios": [2, 1]})
    months = sorted(set(stations_monthly["month"]) | set(link_time_monthly["month"]))
    x = {m: k for k, m in enumerate(months)}
    stations = sorted(set(stations_monthly["station"]) | set(link_time_monthly["station"]))
    cmap = plt.get_cmap("tab10")
    for k, name in enumerate(stations):
        color = cmap(k % 10)
        rows = stations_monthly[stations_monthly["station"] == name]
        full = pd.DataFrame({"month": months}).merge(rows, on="month", how="left").fillna(0.0)
        top.plot(range(len(months)), full["expected_bits"] / 1e6, "-o", ms=3, color=color,
                 label=name)
        top.fill_between(range(len(months)), full["p10_bits"] / 1e6, full["p90_bits"] / 1e6,
                         color=color, alpha=0.18, linewidth=0)
        lt = link_time_monthly[link_time_monthly["station"] == name]
        bottom.plot([x[m] for m in lt["month"]], lt["link_time_s"] / 3600.0, "-o", ms=3,
                    color=color)
    top.set_ylabel("expected key [Mbit]\n(band: P10-P90 over weather)")
    top.grid(alpha=0.3)
    top.legend(fontsize=8, ncol=min(len(stations), 4))
    top.set_title(title, fontsize=10)
    bottom.set_ylabel("link time of\ncandidate passes [h]")
    bottom.grid(alpha=0.3)
    bottom.set_xticks(range(len(months)))
    bottom.set_xticklabels(months, rotation=45, ha="right", fontsize=8)
    fig.tight_layout()
    return fig
