"""bus_incident_degradation.source: an incident follows SLS degradations and, since the BUS
hears its SOF's alarms over LEGATO, outage alarms too (bus/incident/outage.py); each row says
which of the two its id names. The rows there are are degradations.

Revision ID: 0027_bus_incident_source
Revises: 0026_sof_pm_job_profile_id
Create Date: 2026-12-06 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_bus_incident_source"
down_revision = "0026_sof_pm_job_profile_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bus_incident_degradation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=20), nullable=False,
                                      server_default="slsDegradation"))


def downgrade() -> None:
    with op.batch_alter_table("bus_incident_degradation", schema=None) as batch_op:
        batch_op.drop_column("source")
