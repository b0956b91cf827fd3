"""The vectorised budget and key chain give the numbers of the per-sample / per-pass routes.

The independent calculation is the route the chain took before: the public
turbulence and absorption functions evaluated on every sample (400 heights and
41 wavelengths each), and :func:`pass_key` called on each pass's own budget.
Tolerance 1e-9 relative (issue 14): the vectorised forms differ only in the
order of floating-point sums and in factoring sec(zenith) out of an integral,
~1e-15 relative; a wrong pass grouping or a wrong factor would be off by O(1).
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from orbitqkd.chain import find_passes, pass_budgets
from orbitqkd.core import budget as core_budget
from orbitqkd.core.channel import atmosphere, turbulence
from orbitqkd.core.keyrate.passkey import PassKey, keys_per_pass, pass_key
from orbitqkd.core.keyrate.protocol import DecoyBB84

RTOL = 1e-9


@pytest.fixture(scope="module")
def budget():
    passes = find_passes("micius", ["Xinglong", "Graz"], "2016-12-19", days=1)
    return pass_budgets(passes, "micius-xinglong", step_s=10.0)


def _same(a, b, field):
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if a is None or b is None or isinstance(a, pd.Timestamp) or isinstance(b, pd.Timestamp):
        return (pd.isna(a) and pd.isna(b)) or a == b
    if np.isnan(a) or np.isnan(b):
        return np.isnan(a) and np.isnan(b)
    return abs(a - b) <= RTOL * max(abs(a), abs(b)) + 1e-300


@pytest.mark.parametrize("protocol", [
    DecoyBB84(), DecoyBB84(fading="lognormal"), DecoyBB84(finite=False, both_bases=True),
    DecoyBB84(decoys=1, mu_s=0.5, mu_d=0.1, p_s=0.8), DecoyBB84(misalignment=0.05),
], ids=["default", "lognormal", "asymptotic", "one-decoy", "zero-key"])
def test_keys_per_pass_equal_pass_key_of_each_pass(budget, protocol):
    table = keys_per_pass(budget, protocol)
    loop = dict(budget.passes())
    assert list(table.index) == list(loop)  # order of first appearance
    for pid, b in loop.items():
        ref = pass_key(b, protocol)
        for field in PassKey.__dataclass_fields__:
            assert _same(table.loc[pid, field], getattr(ref, field), field), (pid, field)


def test_keys_per_pass_with_a_pass_below_the_horizon(budget):
    # one pass loses every sample (below the horizon): no key, the reason said
    first = budget.pass_id[0]
    hidden = dataclasses.replace(budget, above_horizon=budget.above_horizon & (budget.pass_id != first))
    table = keys_per_pass(hidden)
    ref = pass_key(hidden.select(hidden.pass_id == first))
    assert table.loc[first, "zero_reason"] == ref.zero_reason == "below horizon"
    assert table.loc[first, "secret_bits"] == 0.0 and pd.isna(table.loc[first, "start_utc"])
    other = table.index[1]
    assert table.loc[other, "secret_bits"] == pytest.approx(
        pass_key(hidden.select(hidden.pass_id == other)).secret_bits, rel=RTOL)


def test_keys_per_pass_scalar_budget_of_one_pass(budget):
    one = budget.select(budget.pass_id == budget.pass_id[-1])
    table = keys_per_pass(one)
    assert len(table) == 1
    assert table["secret_bits"].iloc[0] == pytest.approx(pass_key(one).secret_bits, rel=RTOL)


@pytest.mark.parametrize("direction", ["downlink", "uplink"])
def test_slant_turbulence_equals_the_per_sample_integrals(direction):
    zen = np.array([0.0, 30.0, 60.0, 85.0, np.nan, 95.0, 45.0])
    alt = np.array([500.0, 520.0, 20_200.0, 35_786.0, 500.0, 600.0, 12.0])  # 12 km: inside the grid
    kw = dict(satellite_altitude_km=alt, wind_speed_m_s=21.0, ground_cn2_m23=1.7e-14)
    r0, rytov = core_budget._slant_turbulence(zen, 850.0, direction, **kw)
    r0_ref = turbulence.fried_parameter_m(zen, 850.0, direction, **kw)
    rytov_ref = turbulence.rytov_variance(zen, 850.0, direction, **kw)
    np.testing.assert_array_equal(np.isnan(r0), np.isnan(r0_ref))
    np.testing.assert_allclose(r0, r0_ref, rtol=RTOL)
    np.testing.assert_allclose(rytov, rytov_ref, rtol=RTOL)


def test_grouped_extinction_equals_the_per_sample_band_average():
    zen = np.linspace(0.0, 89.0, 50)
    alt = np.where(np.arange(50) % 3 == 0, 890.0, 400.0)
    kw = dict(absorption_model="astm-g173", bandwidth_nm=0.5)
    got = core_budget._extinction_db(zen, 810.0, alt, **kw)
    np.testing.assert_allclose(got, atmosphere.extinction_loss_db(zen, 810.0, alt, **kw), rtol=RTOL)
    # scalar zenith angle in, one value out
    assert core_budget._extinction_db(np.array([10.0]), 810.0, 890.0, **kw).shape == (1,)


def test_adaptive_steps_keep_meo_keys_within_0p1_percent():
    """GLONASS passes over two stations for a day: minutes-long steps where the line of sight
    turns slowly and the sky is dark, the fine step in twilight; every key within 0.1 % of
    uniform 5 s sampling, with far fewer samples."""
    from orbitqkd.chain import keyed_passes

    passes = find_passes("glonass", ["Matera", "Tenerife"], "2022-02-01", days=1)
    passes = passes.where(passes.table["dark"])
    uniform = keyed_passes(passes, "meo-qkd", step_s=5.0).table
    adaptive = keyed_passes(passes, "meo-qkd", step_s=5.0, max_step_s=60.0).table
    a, b = uniform["secret_bits"].to_numpy(float), adaptive["secret_bits"].to_numpy(float)
    assert (a > 0).sum() > 10
    assert np.all(np.abs(b - a) <= 1e-3 * a + 1.0)
    # time weights: the usable time is the pass's duration, whatever the step
    assert np.allclose(adaptive["usable_s"], passes.table["duration_s"], rtol=0, atol=1e-5)
    n_uniform = len(pass_budgets(passes, "meo-qkd", 5.0))
    n_adaptive = len(pass_budgets(passes, "meo-qkd", 5.0, max_step_s=60.0))
    assert n_adaptive < 0.7 * n_uniform


def test_trapezoid_weights_sum_to_the_pass_duration():
    from orbitqkd.core.events import pass_tracks

    passes = find_passes("micius", ["Xinglong", "Nanshan"], "2016-12-19", days=1)
    track = pass_tracks(passes, step_s=7.0)
    per_pass = pd.Series(track.weight_s).groupby(track.pass_id).sum()
    # to the microsecond the pass times are kept in
    assert np.allclose(per_pass.to_numpy(), passes.table.loc[per_pass.index, "duration_s"],
                       rtol=0, atol=1e-5)
