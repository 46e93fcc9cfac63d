"""Repair statistics from recorded tickets (issue 13 point 6): the mean time to detect, to
diagnose and to restore per cause, per partner and per month, from what the tickets keep, the
incidents attached to them and the diagnosis records; a time not measurable is left out of its
mean, not counted as zero. The CLI's tables show the same figures."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from cadenza.bus.incident.store import incidents
from cadenza.bus.trouble.records import record_diagnosis
from cadenza.bus.trouble.stats import repair_stats
from cadenza.bus.trouble.store import tickets
from cadenza.cli import trouble_stats_tables
from cadenza.core.db import Database


def _ticket(session: Any, created: str, *, moves: tuple[tuple[str, str], ...] = (), **more: Any) -> Any:
    changes = [{"status": "acknowledged", "changeDate": created, "changeReason": "received"},
               *({"status": s, "changeDate": at, "changeReason": "moved"} for s, at in moves)]
    document = {"creationDate": created, "status": changes[-1]["status"], "statusChange": changes, **more}
    return tickets.add(session, family="cantata", owner="acme-corp", state=changes[-1]["status"], document=document)


def _by(groups: list[dict[str, Any]], key: str, name: str) -> dict[str, Any]:
    return next(g for g in groups if g[key] == name)


def test_the_means_per_cause_partner_and_month_come_from_the_recorded_times(database: Database) -> None:
    with database.transaction() as session:
        port = _ticket(session, "2026-11-20T10:10:00Z", issueStartDate="2026-11-20T10:00:00Z",
                       moves=(("inProgress", "2026-11-20T10:12:00Z"), ("resolved", "2026-11-20T12:10:00Z")))
        record_diagnosis(session, port, cause="failed port", at="2026-11-20T10:30:00Z")
        partner = _ticket(session, "2026-12-01T08:00:00Z",
                          moves=(("inProgress", "2026-12-01T08:01:00Z"), ("resolved", "2026-12-01T09:00:00Z")))
        record_diagnosis(session, partner, cause="partner segment loss", partner="partner-a",
                         trouble_since="2026-12-01T07:50:00Z", at="2026-12-01T08:05:00Z")
        # a second diagnosis changes the cause, not when the ticket was first diagnosed
        record_diagnosis(session, partner, cause="partner segment loss", partner="partner-a",
                         at="2026-12-01T08:40:00Z")
        incident = incidents.add(session, family="cantata", owner="acme-corp", state="created", document={
            "creationDate": "2026-12-02T06:00:00Z", "situationStartDate": "2026-12-02T05:58:00Z",
            "relatedEntity": [], "priority": "high", "severity": "moderate"})
        _ticket(session, "2026-12-02T06:30:00Z",
                relatedIssue=[{"@referredType": "Incident", "id": incident.id, "source": "seller"}],
                moves=(("inProgress", "2026-12-02T06:30:00Z"), ("resolved", "2026-12-02T07:00:00Z")))
        _ticket(session, "2026-12-03T09:00:00Z")  # not diagnosed yet: nothing to measure but its count

    with database.read() as session:
        stats = repair_stats(session)
    assert stats["tickets"] == 4
    by_cause = stats["byCause"]
    assert [g["cause"] for g in by_cause] == ["SLS degradation", "failed port", "partner segment loss", "undiagnosed"]
    port_times = _by(by_cause, "cause", "failed port")
    assert (port_times["meanTimeToDetectS"], port_times["meanTimeToDiagnoseS"],
            port_times["meanTimeToRestoreS"]) == (600, 1200, 7200)
    proactive = _by(by_cause, "cause", "SLS degradation")  # detected by the incident, before the ticket
    assert (proactive["meanTimeToDetectS"], proactive["meanTimeToDiagnoseS"],
            proactive["meanTimeToRestoreS"]) == (120, 1800, 3600)
    partner_times = _by(stats["byPartner"], "partner", "partner-a")
    assert (partner_times["meanTimeToDetectS"], partner_times["meanTimeToDiagnoseS"],
            partner_times["meanTimeToRestoreS"]) == (600, 300, 3600)
    own = _by(stats["byPartner"], "partner", "own network")
    assert own["tickets"] == 3 and own["meanTimeToDetectS"] == 360 and own["detectMeasured"] == 2
    december = _by(stats["byMonth"], "month", "2026-12")
    assert december["tickets"] == 3
    assert (december["meanTimeToDetectS"], december["meanTimeToDiagnoseS"], december["meanTimeToRestoreS"]) == \
        (360, 1050, 3600)
    assert december["restoreMeasured"] == 2
    undiagnosed = _by(by_cause, "cause", "undiagnosed")
    assert undiagnosed["meanTimeToRestoreS"] is None and undiagnosed["restoreMeasured"] == 0

    console = Console(width=160, record=True)
    for table in trouble_stats_tables(stats):
        console.print(table)
    text = console.export_text()
    assert "Repair times per cause" in text and "Repair times per month" in text
    assert "failed port" in text and "10.0 min (n=1)" in text and "2.0 h (n=1)" in text
