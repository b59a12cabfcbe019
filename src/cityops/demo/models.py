"""Synthetic weather, air and river signals for the simulator: plain functions of time,
place and a seeded random generator (so runs repeat). Not science: plausible shapes.

- Temperature: annual mean falls ~0.1 °C per degree of latitude from 28 °C; the seasonal
  swing grows with latitude (hottest in April-May north of the equator, mirrored south);
  the diurnal cycle peaks at 14:00 local solar time, lowest near 06:00.
- Humidity: high at dawn, lowest in the afternoon, wetter in the monsoon and in rain.
- Rain: monsoon events (May-October north of the equator, November-March south) arrive at
  random, each 1-4 h with a peaked intensity profile; some exceed 30 mm/h.
- PM2.5: a city baseline with morning and evening traffic peaks, plus a haze episode.
- River: a seasonal base per station plus a flood wave that travels downstream.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

DAY = 86400.0
HOUR = 3600.0


def solar_hour(t: float, lon: float) -> float:
    """Local solar hour (0-24) at longitude ``lon`` of the epoch time ``t``."""
    return ((t / HOUR) + lon / 15.0) % 24.0


def day_of_year(t: float) -> float:
    return (t / DAY) % 365.2425


def monsoon(t: float, lat: float) -> float:
    """0..1: how deep into its wet season a place is (smooth)."""
    peak = 228.0 if lat >= 0 else 15.0  # mid-August north, mid-January south
    d = math.cos(2 * math.pi * (day_of_year(t) - peak) / 365.2425)
    return float(max(0.0, d) ** 0.7)


def temperature(t: float, lat: float, lon: float, wet: float) -> float:
    """Air temperature (°C) without noise."""
    mean = 28.0 - 0.1 * abs(lat)
    peak = 120.0 if lat >= 0 else 300.0  # hottest around 1 May north
    season = 0.22 * abs(lat) * math.cos(2 * math.pi * (day_of_year(t) - peak) / 365.2425)
    hour = solar_hour(t, lon)
    diurnal = (4.5 - 1.5 * wet) * math.cos(2 * math.pi * (hour - 14.0) / 24.0)
    return mean + season + diurnal - 3.0 * wet


def humidity(temp: float, daily_mean: float, wet: float, raining: bool) -> float:
    """Relative humidity (%) from the departure from the day's mean temperature."""
    rh = 74.0 + 14.0 * wet - 4.5 * (temp - daily_mean) + (12.0 if raining else 0.0)
    return float(min(100.0, max(25.0, rh)))


@dataclass
class RainEvents:
    """Random rain events of one place: (start, duration s, peak mm/h)."""

    rng: np.random.Generator
    lat: float
    events: list[tuple[float, float, float]] = field(default_factory=list)
    until: float = 0.0

    def _extend(self, t: float) -> None:
        while self.until <= t:
            wet = monsoon(self.until, self.lat)
            rate = (0.05 + 0.9 * wet) / DAY  # events per second
            gap = float(self.rng.exponential(1.0 / rate))
            start = self.until + gap
            duration = float(self.rng.uniform(1.0, 4.0)) * HOUR
            peak = float(self.rng.gamma(2.0, 6.0 + 10.0 * wet))
            self.events.append((start, duration, peak))
            self.until = start

    def intensity(self, t: float) -> float:
        """Rain rate (mm/h) at ``t``."""
        self._extend(t)
        total = 0.0
        for start, duration, peak in self.events:
            if start <= t < start + duration:
                x = (t - start) / duration
                total += peak * math.sin(math.pi * x) ** 2
        self.events = [e for e in self.events if e[0] + e[1] > t - DAY]
        return total


def pm25(t: float, lon: float, base: float, haze: float) -> float:
    """PM2.5 (µg/m³): baseline, traffic peaks at 08:00 and 19:00, plus ``haze``."""
    hour = solar_hour(t, lon)
    traffic = 0.35 * base * (math.exp(-((hour - 8) ** 2) / 4) + math.exp(-((hour - 19) ** 2) / 6))
    return base + traffic + haze


def haze(
    t: float, start: float, rise: float = 6 * HOUR, hold: float = 18 * HOUR, peak: float = 160.0
) -> float:
    """A haze episode: rises from ``start`` over ``rise``, holds, then clears."""
    if t < start:
        return 0.0
    x = t - start
    if x < rise:
        return peak * x / rise
    if x < rise + hold:
        return peak
    return peak * math.exp(-(x - rise - hold) / (6 * HOUR))


def flood_wave(
    t: float,
    start: float,
    order: int,
    amplitude: float,
    lag_per_station: float,
    width: float = 20 * HOUR,
) -> float:
    """Rise (m) of a flood wave at the ``order``-th station downstream: a smooth pulse
    that reaches station n ``lag_per_station`` after station n-1."""
    centre = start + 2 * width + (order - 1) * lag_per_station
    return amplitude * math.exp(-(((t - centre) / width) ** 2))
