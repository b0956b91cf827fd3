import numpy as np
import pytest

from orbitqkd.errors import InputError, UnknownNameError, check_choice, check_range


def test_check_range_scalar_and_array():
    assert check_range("x", 1.0, 0.0, 2.0) == 1.0
    arr = np.array([0.5, 1.5])
    assert check_range("x", arr, 0.0, 2.0) is arr


def test_check_range_messages():
    with pytest.raises(InputError, match=r"^aperture_m = -0.5 is outside the range aperture_m > 0$"):
        check_range("aperture_m", -0.5, 0.0, low_inclusive=False)
    with pytest.raises(InputError, match=r"^elevation_deg = 91 is outside the range -90 <= elevation_deg <= 90$"):
        check_range("elevation_deg", [10.0, 91.0], -90.0, 90.0)
    with pytest.raises(InputError, match=r"^x = nan is outside"):
        check_range("x", float("nan"), 0.0)


def test_check_choice_lists_valid_names():
    with pytest.raises(UnknownNameError, match=r"model = 'foo' is not known; choose one of: a, b"):
        check_choice("model", "foo", ["a", "b"])
