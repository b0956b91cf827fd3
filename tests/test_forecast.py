import numpy as np
import pandas as pd
import pytest

from orbitqkd.errors import InputError
from orbitqkd.forecast import night_index, quantile_bands, sample_clear_sky


def test_night_index_groups_a_night_across_midnight():
    # Xinglong (117.6 E, UTC+7.84 h local mean time): 20:00 and 04:00 local are one night
    t = pd.to_datetime(["2016-12-19T12:10Z", "2016-12-19T20:10Z", "2016-12-20T12:00Z"])
    n = night_index(t, 117.6)
    assert n[0] == n[1] and n[2] == n[1] + 1


def test_shared_draws_and_frequency():
    group = ["A-1", "A-1", "B-1"]
    clear = sample_clear_sky(group, [0.3, 0.3, 0.8], samples=20000, seed=3)
    assert clear.shape == (20000, 3)
    assert (clear[:, 0] == clear[:, 1]).all()
    # binomial standard error sqrt(p(1-p)/n) = 0.0032: 4 sigma
    assert clear[:, 0].mean() == pytest.approx(0.3, abs=0.013)
    assert clear[:, 2].mean() == pytest.approx(0.8, abs=0.012)
    again = sample_clear_sky(group, [0.3, 0.3, 0.8], samples=20000, seed=3)
    assert (again == clear).all()


def test_bad_probability():
    with pytest.raises(InputError, match=r"cloud_free_probability = 1.2 is outside the range 0 <= cloud_free_probability <= 1"):
        sample_clear_sky(["a"], [1.2], samples=10)


def test_quantile_bands_match_numpy():
    v = np.random.default_rng(0).normal(size=(1000, 4))
    b = quantile_bands(v)
    assert set(b) == {"expected", "p10", "p50", "p90"}
    assert np.allclose(b["p90"], np.quantile(v, 0.9, axis=0))
