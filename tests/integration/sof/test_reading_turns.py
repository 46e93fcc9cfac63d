"""The SOF's readings of segment states take turns across the workers of a domain on PostgreSQL:
a reading (an event's read or the periodic list) waits while another process holds the SOF's
turn, so an older reading is never recorded over a newer one taken elsewhere."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, text

from cadenza.core.db import Database
from cadenza.sof.operational import reading_key, reading_turn


def test_a_reading_waits_for_the_turn_another_process_holds(pg_url: str) -> None:
    database = Database(pg_url)
    other_process = create_engine(pg_url)  # its own connection: to PostgreSQL another session
    entered = threading.Event()

    def read() -> None:
        with reading_turn(database, "sp"):
            entered.set()

    try:
        with other_process.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": reading_key("sp")})
            reader = threading.Thread(target=read)
            reader.start()
            assert not entered.wait(1.0)  # the other worker's reading is under way
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": reading_key("sp")})
            assert entered.wait(10)
            reader.join(10)
        with reading_turn(database, "sp"):  # the turn was given back
            pass
    finally:
        other_process.dispose()
        database.dispose()
