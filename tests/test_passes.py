"""The pass engine against Skyfield's find_events, the reference a user would otherwise run."""


import numpy as np
import pandas as pd
import pytest
from skyfield.api import EarthSatellite, wgs84

from orbitqkd.errors import InputError, StaleElementsWarning
from orbitqkd.core.events import PASS_COLUMNS, TRACK_COLUMNS, _table_order
from orbitqkd.chain import find_passes, pass_track
from orbitqkd.io.stations import get_stations
from orbitqkd.timescales import parse_utc, timescale
from orbitqkd.io.tle import load_satellites


def skyfield_events(sats, stations, start, end, min_el=None):
    ts = timescale()
    t0, t1 = (ts.from_datetime(parse_utc(x).to_pydatetime()) for x in (start, end))
    rows = []
    for s in sats:
        es = EarthSatellite.from_satrec(s.satrec, ts)
        for st in stations:
            topos = wgs84.latlon(st.latitude_deg, st.longitude_deg, st.altitude_m)
            alt = st.min_elevation_deg if min_el is None else min_el
            t, e = es.find_events(topos, t0, t1, altitude_degrees=alt)
            rows += [(s.norad_id, st.name, int(k), pd.Timestamp(x.utc_datetime())) for x, k in zip(t, e)]
    return pd.DataFrame(rows, columns=["norad_id", "station", "event", "time"])


def assert_same_events(ours, sky, tol_s=1.0):
    """Every Skyfield event has a pass event within tol_s; returns the largest difference [s]."""
    columns = {0: "rise_utc", 1: "culmination_utc", 2: "set_utc"}
    worst = 0.0
    for _, ev in sky.iterrows():
        mine = ours[(ours.norad_id == ev.norad_id) & (ours.station == ev.station)]
        assert len(mine), f"no pass for {ev.norad_id} over {ev.station}"
        dt = np.abs((mine[columns[ev.event]] - ev.time).dt.total_seconds()).min()
        assert dt < tol_s, (ev.to_dict(), dt)
        worst = max(worst, dt)
    return worst


@pytest.fixture(scope="module")
def leo_sample():
    sats = load_satellites("active")
    leo = [s for s in sats if s.period_min < 130]
    rng = np.random.default_rng(7)
    return [leo[i] for i in rng.choice(len(leo), 12, replace=False)]


def test_micius_xinglong_pass_of_liao_2017():
    # Liao et al., Nature 549, 43 (2017), Fig. 2: the 19 Dec 2016 night pass over Xinglong,
    # range 645 km at culmination to 1,200 km at the ends of the key exchange.
    p = find_passes("micius", ["Xinglong"], "2016-12-19T12:00", days=0.5).table
    night = p[p.dark]
    assert len(night) == 1
    row = night.iloc[0]
    assert row.min_range_km == pytest.approx(645.0, abs=5.0)
    track = pass_track("micius", "Xinglong", row.rise_utc, row.set_utc, step_s=1.0).to_frame()
    # spherical Earth (R = 6371 km, h = 505 km): range sqrt((R+h)^2 - R^2 cos^2 el) - R sin el
    # is 1,200 km at el = 19.8 deg; the SGP4 track must agree within 0.5 deg
    el_1200 = np.interp(1200.0, track.range_km[: track.elevation_deg.idxmax()][::-1],
                        track.elevation_deg[: track.elevation_deg.idxmax()][::-1])
    assert el_1200 == pytest.approx(19.8, abs=0.5)


def test_matches_skyfield_find_events(leo_sample):
    stations = get_stations(["Xinglong", "Stellenbosch", "Herstmonceux", "Tenerife"])
    stations = [s for s in stations if not s.horizon_mask]  # Skyfield has no horizon masks
    start, end = "2026-03-19T00:00", "2026-03-20T00:00"
    ours = find_passes(leo_sample, stations, start, end).table
    sky = skyfield_events(leo_sample, stations, start, end)
    assert len(sky) > 60
    # Skyfield refines to half a second; we refine to 1 ms
    assert assert_same_events(ours, sky) < 1.0
    n_rise = (sky.event == 0).sum()
    assert len(ours) == n_rise + ours.starts_before_window.sum()


def test_glonass_high_orbit_matches_skyfield():
    sats = load_satellites("glonass")[:4]
    stations = get_stations(["Matera", "Graz"])
    start, end = "2022-02-03T00:00", "2022-02-04T00:00"
    ours = find_passes(sats, stations, start, end).table
    sky = skyfield_events(sats, stations, start, end)
    assert assert_same_events(ours, sky) < 1.0
    assert len(ours) == (sky.event == 0).sum() + ours.starts_before_window.sum()


def test_grazing_pass_shorter_than_the_step_is_found():
    # Micius over Nanshan culminates at 17.856 deg at 06:38 UTC on 20 Dec 2016 (table above);
    # with the floor at 17.80 deg the pass lasts a few seconds, far below the 120 s grid step.
    st = get_stations(["Nanshan"])
    ours = find_passes("micius", st, "2016-12-20T06:00", "2016-12-20T07:00",
                       min_elevation_deg=17.80, step_s=120.0).table
    assert len(ours) == 1 and ours.duration_s.iloc[0] < 30
    sky = skyfield_events(load_satellites("micius", near="2016-12-20"), st,
                          "2016-12-20T06:00", "2016-12-20T07:00", min_el=17.80)
    assert list(sky.event) == [0, 1, 2]
    assert assert_same_events(ours, sky) < 1.0


def test_window_edges_are_flagged():
    full = find_passes("micius", ["Xinglong"], "2016-12-19T16:00", "2016-12-19T17:30").table
    rise, set_ = full.rise_utc.iloc[0], full.set_utc.iloc[0]
    mid = rise + (set_ - rise) / 2
    a = find_passes("micius", ["Xinglong"], mid, "2016-12-19T17:30").table
    b = find_passes("micius", ["Xinglong"], "2016-12-19T16:00", mid).table
    assert a.starts_before_window.iloc[0] and a.rise_utc.iloc[0] == mid
    assert b.ends_after_window.iloc[0] and b.set_utc.iloc[0] == mid
    assert not full.starts_before_window.iloc[0]


def test_columns_types_and_empty_result():
    p = find_passes("micius", ["Xinglong"], "2016-12-19", days=1).table
    assert list(p.columns) == PASS_COLUMNS
    assert str(p.rise_utc.dt.tz) == "UTC"
    empty = find_passes("micius", ["Xinglong"], "2016-12-19T00:00", "2016-12-19T00:05").table
    assert list(empty.columns) == PASS_COLUMNS and len(empty) == 0


def test_horizon_mask_shortens_passes():
    from orbitqkd.model import GroundStation
    open_sky = GroundStation("A", 40.4, 117.6, 890, min_elevation_deg=10)
    walled = GroundStation("B", 40.4, 117.6, 890, min_elevation_deg=10, horizon_mask="0:10;180:30")
    a = find_passes("micius", [open_sky], "2016-12-19", days=2).table
    b = find_passes("micius", [walled], "2016-12-19", days=2).table
    assert b.duration_s.sum() < a.duration_s.sum()


def test_bad_inputs():
    with pytest.raises(InputError, match=r"^end = 2016-12-18T00:00:00\+00:00 is not after start = 2016-12-19T00:00:00\+00:00$"):
        find_passes("micius", ["Graz"], "2016-12-19", "2016-12-18")
    with pytest.raises(InputError, match=r"give exactly one of end or days"):
        find_passes("micius", ["Graz"], "2016-12-19")
    with pytest.raises(InputError, match=r"step_s = 0.1 is outside the range 0.5 <= step_s <= 600"):
        find_passes("micius", ["Graz"], "2016-12-19", days=1, step_s=0.1)
    with pytest.raises(InputError, match=r"start = 'yesterday' is not a UTC time"):
        find_passes("micius", ["Graz"], "yesterday", days=1)


def test_stale_elements_warn():
    with pytest.warns(StaleElementsWarning, match=r"days from its element epoch"):
        find_passes("micius", ["Graz"], "2017-03-01", days=1)


def test_pass_track_columns_and_geometry():
    track = pass_track("micius", "Xinglong", "2016-12-19T16:48:43", "2016-12-19T16:55:41",
                       step_s=1.0)
    tr = track.to_frame()
    assert list(tr.columns) == TRACK_COLUMNS
    assert len(tr) == 419
    assert track.station.name == "Xinglong" and track.satellite.norad_id == 41731
    assert tr.elevation_deg.max() == pytest.approx(47.83, abs=0.01)
    # Micius flies at about 500 km (perigee ~ 490 km, apogee ~ 510 km)
    assert tr.satellite_altitude_km.between(480, 530).all()
    assert (tr.sun_elevation_deg < -60).all()
    # last quarter (k = 0.5) was 21 Dec 2016 01:56 UTC, 1.4 days later; k falls ~0.1 a day
    assert tr.moon_illuminated_fraction.between(0.6, 0.7).all()


def test_pass_tracks_equal_pass_track_and_stay_above_floor():
    from orbitqkd.core.events import pass_tracks

    passes = find_passes("micius", ["Xinglong", "Graz", "Matera"], "2016-12-19", days=2)
    p = passes.table
    tr = pass_tracks(passes, step_s=2.0).to_frame()
    assert set(tr.pass_id) == set(p.index)
    one = pass_track("micius", p.station[2], p.rise_utc[2], p.set_utc[2], step_s=2.0).to_frame()
    mine = tr[tr.pass_id == 2].reset_index(drop=True)
    assert len(mine) == len(one)
    # the two interpolate UT1-UTC over different spans: 1e-5 deg is 0.1 m at 600 km
    assert np.abs(mine.elevation_deg - one.elevation_deg).max() < 1e-5
    # every sample of a pass lies above the station's floor (to the refinement tolerance)
    floor = {"Xinglong": 10.0, "Graz": 15.0, "Matera": 20.0}
    assert (tr.elevation_deg >= tr.station.map(floor) - 1e-3).all()
    # first and last samples are the rise and set
    first = tr.groupby("pass_id").time_utc.first()
    assert (first == p.rise_utc.dt.round("us")).all() or \
        (abs((first - p.rise_utc).dt.total_seconds()) < 1e-3).all()


def test_pass_tracks_unknown_satellite():
    import dataclasses

    from orbitqkd.core.events import pass_tracks

    p = find_passes("micius", ["Graz"], "2016-12-19", days=1)
    with pytest.raises(InputError, match=r"norad_id = 41731 \(MICIUS \(QUESS\) 2016-12-18\) of the "
                                         r"passes is not among the satellites given"):
        pass_tracks(dataclasses.replace(p, satellites=load_satellites("glonass")))


@pytest.mark.parametrize("step_s", [120.0, None])
@pytest.mark.parametrize("floor_deg", [17.855, 17.85, 17.80, 17.0])
def test_grazing_rise_and_set_match_a_1_ms_brute_force(floor_deg, step_s):
    """Micius over Nanshan, 20 Dec 2016, culminating at 17.856 deg: floors just below it give
    grazes of 2.8 s to 85 s. Rise and set within 0.05 s of Skyfield sampled every 1 ms, on
    a 120 s grid and on the default one (1/16 of the period, 355 s)."""
    sat = load_satellites("micius", near="2016-12-20")[0]
    station = get_stations(["Nanshan"])[0]
    ours = find_passes([sat], [station], "2016-12-20T06:00", "2016-12-20T07:00",
                       min_elevation_deg=floor_deg, step_s=step_s).table
    assert len(ours) == 1
    rise, set_ = ours.rise_utc.iloc[0], ours.set_utc.iloc[0]
    t0 = rise - pd.Timedelta(seconds=2)
    seconds = np.arange(int(((set_ - rise).total_seconds() + 4.0) * 1000)) / 1000.0
    ts = timescale()
    t = ts.utc(t0.year, t0.month, t0.day, t0.hour, t0.minute,
               t0.second + t0.microsecond / 1e6 + seconds)
    topos = wgs84.latlon(station.latitude_deg, station.longitude_deg, station.altitude_m)
    elevation = (EarthSatellite.from_satrec(sat.satrec, ts) - topos).at(t).altaz()[0].degrees
    above = seconds[elevation >= floor_deg]
    assert abs((rise - t0).total_seconds() - above[0]) < 0.05
    assert abs((set_ - t0).total_seconds() - above[-1]) < 0.05


def test_groups_of_satellites_give_the_one_search_table():
    """Memory holds one group's brackets: groups of 7 satellites give the same rows, in the
    same order, as one search over all of them."""
    from orbitqkd.core.events import find_passes as search
    from orbitqkd.io.stations import bundled_stations
    from orbitqkd.io.tle import load_satellites

    leo = [s for s in load_satellites("active", near="2026-03-19") if s.period_min < 130]
    sats = leo[::97][:60]
    stations = [bundled_stations()[n] for n in ("Graz", "Xinglong", "Stellenbosch")]
    one = search(sats, stations, "2026-03-19", days=1, chunk_size=1_000_000).table
    grouped = search(sats, stations, "2026-03-19", days=1, chunk_size=7).table
    assert len(one) > 200
    pd.testing.assert_frame_equal(grouped, one)


@pytest.mark.parametrize("case", ["unique", "ties", "overflow", "negative"])
def test_table_order_is_lexsorts(case):
    # the pass table's row order: (rise to the µs, station name, NORAD id), ties kept in place
    rng = np.random.default_rng(7)
    n, n_sta, n_sat = 20_000, 7, 300
    if case == "overflow":  # 3,660 days x 100 stations x 20,000 satellites: no 64-bit key
        n_sta, n_sat = 100, 20_000
    t_rise = rng.uniform(0.0, 3 * 86400.0, n)
    p_sta, p_sat = rng.integers(0, n_sta, n), rng.integers(0, n_sat, n)
    norad_ids = rng.permutation(90_000)[:n_sat].astype(np.int64)  # unique
    names = [f"station {k}" for k in rng.permutation(n_sta)]
    if case == "ties":  # two satellites under one NORAD id, rising in the same µs
        norad_ids[5] = norad_ids[6]
        t_rise[:50], p_sta[:50], p_sat[:50] = 100.0, 3, np.tile([5, 6], 25)
    elif case == "overflow":
        t_rise[0] = 3660 * 86400.0
        assert (t_rise[0] * 1e6 + 1) * n_sta * n_sat > 2.0 ** 63
    elif case == "negative":
        t_rise[3] = -1.0
    expected = np.lexsort((norad_ids[p_sat], np.argsort(np.argsort(names))[p_sta], np.round(t_rise * 1e6)))
    assert np.array_equal(_table_order(t_rise, p_sta, p_sat, names, norad_ids), expected)
