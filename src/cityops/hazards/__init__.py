"""Pure hazard science: numpy arrays in, numpy arrays out.

No I/O, no clock, no configuration, no database. Times are float64 seconds since the
Unix epoch (UTC), sorted ascending; values are float64 with NaN for missing.
Each function cites its source; the facts are collected in ``docs`` / ``hazards.md``.

Modules: ``thresholds`` (levels with hysteresis and minimum duration), ``trend`` (rate of
rise, time to a level), ``rainfall`` (rolling accumulations, regional warning tables),
``heat`` (NWS heat index), ``aqi`` (US EPA AQI, PM NowCast), ``vn_aqi`` (Viet Nam's
VN_AQI, Decision 1459/QĐ-TCMT), ``spi`` (Standardized
Precipitation Index), ``lag`` (flood-wave travel time between stations), ``quality``
(gaps, flat lines, spikes, range), ``series`` (shared array checks and alignment).
"""
