"""Every table of a domain database, gathered for Alembic.

Importing the entity row modules here (and only here) registers their tables on the shared
metadata; `core` itself knows no entity.
"""

from __future__ import annotations

from cadenza.bus import rows as bus_rows  # noqa: F401
from cadenza.bus.incident import rows as bus_incident_rows  # noqa: F401
from cadenza.bus.usage import rows as bus_usage_rows  # noqa: F401
from cadenza.core import audit_rows, auth_rows, trace, worker_rows  # noqa: F401
from cadenza.core.db import Base
from cadenza.core.notifications import rows as notification_rows  # noqa: F401
from cadenza.icm import pm_rows as icm_pm_rows  # noqa: F401
from cadenza.icm import rows as icm_rows  # noqa: F401
from cadenza.sof import rows as sof_rows  # noqa: F401
from cadenza.sof.alarms import rows as sof_alarm_rows  # noqa: F401
from cadenza.sof.control import rows as sof_control_rows  # noqa: F401
from cadenza.sof.faults import rows as sof_fault_rows  # noqa: F401
from cadenza.sof.function_testing import rows as sof_function_testing_rows  # noqa: F401
from cadenza.sof.performance import rows as sof_performance_rows  # noqa: F401
from cadenza.sof.sls import rows as sof_sls_rows  # noqa: F401
from cadenza.sof.trouble import rows as sof_trouble_rows  # noqa: F401

metadata = Base.metadata
