"""SOF's trouble reports on SQLite and PostgreSQL: the migration makes the table the code maps,
one report per service, ticket and take-up however often the BUS asks, and only the moves the
contract declares."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cadenza.core.db import Base, Database
from cadenza.interfaces.legato import trouble_report as contract
from cadenza.landscape import models  # noqa: F401 - every table mapped
from cadenza.sof.trouble import report
from cadenza.sof.trouble.report import IllegalTroubleReportTransition
from cadenza.sof.trouble.rows import TroubleReportRow


def test_the_trouble_report_table_is_the_migrations(database: Database) -> None:
    with database.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [diff for diff in diffs if "sof_trouble_report" in str(diff)] == []


def test_one_report_per_service_ticket_and_take_up_moved_only_as_the_contract_says(database: Database) -> None:
    def opened(attempt: int) -> tuple[str, bool]:
        with database.transaction() as session:
            row, fresh = report.open_report(session, party="cadenza-sp", service_id="svc-1", ticket_id="t-1",
                                            attempt=attempt, description="no frames")
            return row.id, fresh

    first, fresh = opened(1)
    again, fresh_again = opened(1)
    reopened, fresh_reopened = opened(2)
    assert fresh and not fresh_again and fresh_reopened
    assert again == first and reopened != first
    with database.transaction() as session:
        row = session.get(TroubleReportRow, first)
        assert row is not None
        with pytest.raises(IllegalTroubleReportTransition):
            report.transition_to(session, row, contract.RESOLVED, why="too early")
        report.transition_to(session, row, contract.DIAGNOSING, why="diagnosing")
        report.add_finding(session, row, "read", "the metro segment carries traffic")
        report.transition_to(session, row, contract.NO_TROUBLE_FOUND, why="nothing", changes={"remedy": "nothing"})
    with database.read() as session:
        shown = report.view(session.get(TroubleReportRow, first))
    assert shown["state"] == "noTroubleFound" and shown["remedy"] == "nothing" and shown["attempt"] == 1
    assert [h["state"] for h in shown["history"]] == ["acknowledged", "diagnosing", "noTroubleFound"]
    assert [f["text"] for f in shown["findings"]] == ["the metro segment carries traffic"]
    assert contract.trouble_report_from_json(shown).findings[0].step == "read"
