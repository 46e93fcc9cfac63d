"""A domain applies its schedules again at every start: the same configuration leaves the
schedule as it was, a changed period replaces its cron under the same schedule."""

from __future__ import annotations

from dbos import DBOS

from cadenza.core.schedules import keep_schedule
from cadenza.core.workflows import launch_workflows, shutdown_workflows
from cadenza.sof.operational_reading import read_segment_states, schedule_name


def test_every_start_keeps_one_schedule_and_a_new_period_replaces_its_cron(database_url: str) -> None:
    name = schedule_name("sp")
    launch_workflows("cadenza-schedule-test", database_url)
    try:
        assert keep_schedule(name, read_segment_states, period_s=3600, context="sp") == 3600
        first = DBOS.get_schedule(name)
        assert first is not None and first["schedule"] == "0 0 */1 * * *" and first["context"] == "sp"
        keep_schedule(name, read_segment_states, period_s=3600, context="sp")  # the next start, or another worker
        assert DBOS.get_schedule(name) == first
        assert keep_schedule(name, read_segment_states, period_s=7200, context="sp") == 7200  # configuration changed
        changed = DBOS.get_schedule(name)
        assert changed is not None and changed["schedule"] == "0 0 */2 * * *"
        assert changed["schedule_id"] == first["schedule_id"]
        assert [s["schedule_name"] for s in DBOS.list_schedules()] == [name]
    finally:
        shutdown_workflows()
