"""PM collection as a DBOS scheduled workflow: once every `collect_every_s` across the domain's
workers (core/schedules.py), and once at each start (what ended while the domain was down).
The collection itself is idempotent (icm/pm_collection.py), so a period run again after a crash
stores nothing twice."""

from __future__ import annotations

from datetime import datetime

from dbos import DBOS

from cadenza.core.schedules import keep_schedule, run_now
from cadenza.icm import activation
from cadenza.icm.pm_collection import collect
from cadenza.icm.service import Icm
from cadenza.icm.settings import PmSettings

__all__ = ["schedule_collection", "schedule_name", "settings_of"]

_SETTINGS: dict[str, PmSettings] = {}


def settings_of(icm_name: str) -> PmSettings:
    """The PM settings the ICM's collection was scheduled with (the defaults before that)."""
    return _SETTINGS.get(icm_name, PmSettings())


def schedule_name(icm_name: str) -> str:
    return f"icm-pm-collection-{icm_name}"


def schedule_collection(icm: Icm, settings: PmSettings, *, collect_at_start: bool = True) -> str:
    """After `launch_workflows`, at every start. The schedule's name."""
    _SETTINGS[icm.name] = settings
    name = schedule_name(icm.name)
    keep_schedule(name, collect_pm, period_s=settings.collect_every_s, context=icm.name)
    if collect_at_start:
        run_now(name)
    return name


@DBOS.workflow()
def collect_pm(scheduled_at: datetime, icm_name: str) -> None:
    collect_pm_bins(icm_name)


@DBOS.step()
def collect_pm_bins(icm_name: str) -> dict[str, int]:
    done = collect(activation.registered(icm_name), settings_of(icm_name))
    return {"sessions": done.sessions, "bins": done.bins, "crossings": done.crossings, "expired": done.expired,
            "unreachable": len(done.unreachable)}
