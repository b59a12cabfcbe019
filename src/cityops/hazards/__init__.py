"""Pure hazard science: numpy arrays in, numpy arrays out.

No I/O, no clock, no configuration, no database. Times are float64 seconds since the
Unix epoch (UTC), sorted ascending; values are float64 with NaN for missing.
Each function cites its source; the facts are collected in ``docs`` / ``hazards.md``.
"""
