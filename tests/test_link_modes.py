"""The two-way (retroreflector), horizontal and daylight link modes, from Python and the CLI."""

import numpy as np
import pytest

from orbitqkd.cli import main
from orbitqkd.core.budget import link_budget
from orbitqkd.core.channel import horizontal, retroreflector
from orbitqkd.core.events import Track, horizontal_track
from orbitqkd.io.stations import get_station
from orbitqkd.presets import link_preset


def test_two_way_budget_is_the_slr_link_equation():
    # With turbulence and jitter off, photons counted per pulse = photons leaving the array
    # x downlink transmittance must equal Degnan's link equation (Degnan 1993, Sec. 4) with
    # the Gaussian transmitter gain G_t = 8 R^2 / w^2 and the array cross-section; 1e-9.
    lk = link_preset("mlro-lageos2")
    lk = lk.replace(cn2_model="none", transmitter=lk.transmitter.__class__(
        "laser", 532.0, 1.5, divergence_urad=20.0, pointing_jitter_urad=0.0,
        repetition_rate_hz=100e6, pulse_energy_j=1e-9), retro_cube_diameter_m=0.0381,
        retro_effective_cubes=30.0, retro_cross_section_m2=7e6)
    matera = get_station("Matera")
    track = Track.from_arrays(matera, elevation_deg=[30.0, 60.0], range_km=[7500.0, 6300.0])
    b = link_budget(track, lk)
    counted = b.uplink_photons_per_pulse * b.transmittance
    atm = 10 ** (-b.atmospheric_loss_db / 10)
    w = b.long_term_beam_radius_m
    gain = 8 * (track.range_km * 1e3) ** 2 / w**2
    area = np.pi / 4 * 1.5**2
    stop = 10 ** (-b.turbulence_loss_db / 10)  # telescope diffraction against the field stop
    dead = 10 ** (-b.dead_time_loss_db / 10)
    slr = retroreflector.slr_link_photoelectrons(
        track.range_km, 1e-9, 532.0, gain, 7e6, area, receive_efficiency=0.3 * stop * dead,
        detector_efficiency=0.5, atmospheric_transmittance=atm)
    assert counted == pytest.approx(slr, rel=1e-9)


def test_horizontal_budget_uses_the_path_models():
    # 275 m at noon: extinction of the horizontal path, no horizon check, the real Sun
    daejeon = get_station("36.383,127.365,70")
    track = horizontal_track(daejeon, 0.275, 90.0, "2020-06-01T03:00", "2020-06-01T03:01", 10.0)
    b = link_budget(track, link_preset("etri-275m"))
    assert b.above_horizon.all() and (track.sun_elevation_deg > 70).all()
    expected = horizontal.horizontal_extinction_loss_db(
        0.275, 785.0, 70.0, 0.1, 1.3, precipitable_water_cm=1.4164, bandwidth_nm=0.1)
    assert b.atmospheric_loss_db == pytest.approx(np.full(len(b), expected), abs=1e-9)
    # daylight through a 50 urad, 0.1 nm receiver: tens of kilocounts a second of sky
    assert (b.background_rate_cps > 1e4).all()
    night = horizontal_track(daejeon, 0.275, 90.0, "2020-06-01T15:00", "2020-06-01T15:01", 10.0)
    assert (link_budget(night, link_preset("etri-275m")).background_rate_cps < 1e3).all()


@pytest.mark.parametrize("args", [
    ["budget", "--link", "mlro-lageos2", "--start", "2016-02-14T12:00", "--days", "2",
     "--sample-s", "600", "--format", "csv"],
    ["budget", "--link", "etri-275m", "--start", "2020-06-01T03:00", "--days", "0.001",
     "--azimuth-deg", "90", "--sample-s", "20", "--format", "csv"],
])
def test_modes_from_the_cli(args, capsys):
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("time_utc,") and len(out.splitlines()) > 2
