import numpy as np
import pytest
from metpy.calc import heat_index as metpy_heat_index
from metpy.units import units

from cityops.hazards.heat import RISK_BANDS_F, heat_index_c, heat_index_f, heat_risk_band


@pytest.mark.parametrize(
    ("t_f", "rh", "chart"),
    # NWS heat index chart (printed values are rounded regression values)
    [
        (80, 40, 80),
        (90, 50, 95),
        (90, 70, 106),
        (96, 70, 126),
        (96, 60, 116),
        (100, 40, 109),
        (104, 55, 137),
        (86, 90, 105),
        (110, 40, 136),
        (84, 85, 96),
    ],
)
def test_matches_nws_chart(t_f, rh, chart):
    assert heat_index_f(t_f, rh)[0] == pytest.approx(chart, abs=1.0)


def test_matches_metpy_over_the_rothfusz_domain():
    t, rh = np.meshgrid(np.arange(80.0, 113.0, 1.0), np.arange(0.0, 101.0, 2.5))
    t, rh = t.ravel(), rh.ravel()
    ours = heat_index_f(t, rh)
    oracle = metpy_heat_index(t * units.degF, rh * units.percent, mask_undefined=False)
    oracle = np.asarray(oracle.to(units.degF).magnitude)
    # The NWS switches to the regression when the simple index reaches 80 °F; MetPy at 79 °F,
    # and applies the dry adjustment at RH <= 13 % (NWS: < 13 %). Compare where both agree.
    simple = 0.5 * (t + 61.0 + (t - 68.0) * 1.2 + rh * 0.094)
    same_rule = (simple >= 80.0) & (rh != 13.0)
    assert same_rule.sum() > 1000
    np.testing.assert_allclose(ours[same_rule], oracle[same_rule], atol=1e-6)


def test_adjustments_from_the_nws_page():
    # RH < 13 %: subtract ((13-RH)/4) * sqrt((17-|T-95|)/17)
    t, rh = 95.0, 5.0
    rothfusz = heat_index_f(t, 13.0)  # no adjustment at exactly 13 %
    assert rothfusz.size == 1
    adj = (13 - rh) / 4 * np.sqrt((17 - abs(t - 95)) / 17)
    oracle = metpy_heat_index(t * units.degF, rh * units.percent).to(units.degF).magnitude
    assert heat_index_f(t, rh)[0] == pytest.approx(float(np.ravel(oracle)[0]), abs=1e-6)
    assert adj == pytest.approx(2.0)
    # RH > 85 %, 80..87 °F: add ((RH-85)/10) * ((87-T)/5)
    oracle = metpy_heat_index(82 * units.degF, 95 * units.percent).to(units.degF).magnitude
    assert heat_index_f(82.0, 95.0)[0] == pytest.approx(float(np.ravel(oracle)[0]), abs=1e-6)


def test_simple_formula_below_80():
    # Steadman's simple form: 0.5*(70 + 61 + 2*1.2 + 50*0.094) = 69.05
    assert heat_index_f(70.0, 50.0)[0] == pytest.approx(69.05)


def test_celsius_wrapper_matches_metpy_example():
    # MetPy docstring example: heat_index(30 degC, 90 %) = 40.774647 degC
    assert heat_index_c(30.0, 90.0)[0] == pytest.approx(40.774647, abs=1e-5)


def test_nan_and_empty():
    assert np.isnan(heat_index_f([np.nan, 90.0], [50.0, np.nan])).all()
    assert heat_index_f([], []).size == 0


def test_risk_bands():
    names = ["none", *RISK_BANDS_F]
    hi = [79.9, 80.0, 90.0, 102.9, 103.0, 124.9, 125.0, np.nan]
    got = [names[i] for i in heat_risk_band(hi)]
    assert got == [
        "none",
        "caution",
        "extreme caution",
        "extreme caution",
        "danger",
        "danger",
        "extreme danger",
        "none",
    ]
