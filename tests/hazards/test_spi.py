import numpy as np
import pytest
from climate_indices import compute, indices

from cityops.hazards.spi import SPI_LIMIT, rolling_months, spi, spi_category


def _rain(years: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    season = 40 + 160 * np.clip(np.sin((np.arange(12) - 3) / 12 * 2 * np.pi), 0, None)
    months = np.tile(season, years) * rng.gamma(2.0, 0.5, size=12 * years)
    months[rng.random(months.size) < 0.08] = 0.0  # dry months: the zero share matters
    return months


@pytest.mark.parametrize("scale", [1, 3, 6, 12])
def test_matches_climate_indices(scale):
    rain = _rain(40)
    ours = spi(rain, scale, start_month=1)
    oracle = indices.spi(
        rain, scale, indices.Distribution.gamma, 1981, 1981, 2020, compute.Periodicity.monthly
    )
    both = np.isfinite(ours) & np.isfinite(oracle)
    assert both.sum() > 12 * 38
    np.testing.assert_allclose(ours[both], oracle[both], atol=1e-6)
    assert np.array_equal(np.isfinite(ours), np.isfinite(oracle))


def test_calibration_period_matches_climate_indices():
    rain = _rain(40, seed=3)
    ours = spi(rain, 3, start_month=1, calibration=slice(0, 12 * 30))
    oracle = indices.spi(
        rain, 3, indices.Distribution.gamma, 1981, 1981, 2010, compute.Periodicity.monthly
    )
    both = np.isfinite(ours) & np.isfinite(oracle)
    np.testing.assert_allclose(ours[both], oracle[both], atol=1e-6)


def test_start_month_shifts_the_calendar():
    rain = _rain(30, seed=5)
    from_april = spi(rain[3:], 1, start_month=4)
    from_jan = spi(rain, 1, start_month=1)[3:]
    # same calendar months, different record length: close but fitted on other samples
    assert np.corrcoef(from_april, from_jan)[0, 1] > 0.99


def test_zero_share_and_clipping():
    from scipy.stats import norm

    rain = _rain(40, seed=11)
    rain[rain == 0] = 1.0
    july = np.arange(6, rain.size, 12)
    rain[july[:10]] = 0.0  # a quarter of the Julys are dry
    s = spi(rain, 1)
    # H = q + (1 - q) G(0) = q for a zero month
    np.testing.assert_allclose(s[july[:10]], norm.ppf(0.25))
    assert np.all(s[july[10:]] > norm.ppf(0.25))
    wet = np.r_[_rain(30), 1e6]
    assert np.nanmax(spi(wet, 1)) == SPI_LIMIT
    assert np.nanmin(spi(np.r_[_rain(30) + 50, 0.0], 1)) >= -SPI_LIMIT


def test_missing_months_and_short_records():
    rain = _rain(10)
    rain[20] = np.nan
    s = spi(rain, 3)
    assert np.isnan(s[20:23]).all() and np.isfinite(s[23])
    assert np.isnan(spi([], 3)).size == 0
    assert np.isnan(spi([5.0, 6.0], 3)).all()
    assert np.isnan(rolling_months([1.0, 2.0], 3)).all()


def test_categories():
    assert spi_category(2.1) == "extremely wet"
    assert spi_category(0.0) == "near normal"
    assert spi_category(-1.2) == "moderately dry"
    assert spi_category(-1.7) == "severely dry"
    assert spi_category(-2.5) == "extremely dry"
    assert spi_category(float("nan")) == "unknown"
