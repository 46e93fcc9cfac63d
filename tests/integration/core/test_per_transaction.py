"""State a transaction keeps (`per_transaction`): made once, handed over as the transaction
commits or rolls back, and never seen by the next transaction of the same session."""

from __future__ import annotations

from sqlalchemy import text

from cadenza.core.db import Database, per_transaction


def test_each_transaction_of_a_session_has_its_own_state_and_its_own_ending(database: Database) -> None:
    seen: list[tuple[str, list[int]]] = []

    def kept(session: object) -> list[int]:
        return per_transaction(session, "numbers", list,  # type: ignore[arg-type]
                               before_commit=lambda state: seen.append(("committing", list(state))),
                               after_commit=lambda state: seen.append(("committed", state)),
                               after_rollback=lambda state: seen.append(("rolled back", state)))

    with database.sessions() as session:
        kept(session).append(1)
        assert kept(session) == [1]  # the same state within the transaction
        session.execute(text("SELECT 1"))
        session.commit()
        kept(session).append(2)  # the next transaction of the same session starts afresh
        session.execute(text("SELECT 2"))
        session.rollback()
        kept(session).append(3)
        session.commit()
    assert seen == [("committing", [1]), ("committed", [1]), ("rolled back", [2]),
                    ("committing", [3]), ("committed", [3])]
