"""The measurement interval every entity aligns its PM to: MEF 35.1's default 15 minutes.

The twin bins its counters by it, the ICM serves results per interval, and the SOF numbers
intervals from the epoch (interval k covers [k·900 s, (k+1)·900 s)) in reports, triggered
reports, SLS assessment and the degradations the BUS follows. One constant, so an interval
number means the same thing wherever it travels."""

from __future__ import annotations

__all__ = ["INTERVAL_S"]

INTERVAL_S = 900
