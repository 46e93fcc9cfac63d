"""Fault Management v3 (MEF 148): base paths, the hub's API name, the event types, the spec
files and the configuration and result types Cadenza's reports use (docs/allegro-profile.md,
"Fault Management v3")."""

from __future__ import annotations

from pathlib import Path

__all__ = ["FM_BASE", "FM_LISTENER_BASE", "FM_HUB", "SCOPE", "FM_EVENT_TYPES", "FM_MANAGEMENT_SPEC",
           "FM_NOTIFICATION_SPEC", "FM_CONFIGURATION_TYPE", "FAULT_RESULT_TYPE", "FAULT_SUMMARY_TYPE",
           "CONNECTIVITY_TEST_TYPE", "IP_SAT_CONFIGURATION_TYPES", "job_href", "report_href", "cancel_href",
           "modify_href"]

_SPECS = Path(__file__).parent / "openapi/serviceApi/fm"
FM_MANAGEMENT_SPEC = _SPECS / "faultManagement.api.yaml"
FM_NOTIFICATION_SPEC = _SPECS / "faultNotification.api.yaml"

FM_BASE = "/mefApi/allegro/faultManagement/v3"
# The management file's callback text says {callback}/mefApi/allegro/faultManagement/v3/listener/...,
# the Notification file's server /mefApi/allegro/faultNotification/v3: Cadenza takes the latter,
# the file that defines the listener paths, as it does for Performance Monitoring.
FM_LISTENER_BASE = "/mefApi/allegro/faultNotification/v3"
FM_HUB = "allegro.faultManagement"
SCOPE = "allegro"

FM_EVENT_TYPES = (
    "faultManagementJobCreateEvent", "faultManagementJobStateChangeEvent",
    "faultManagementJobAttributeValueChangeEvent", "faultManagementJobReportReadyEvent",
    "faultManagementJobReportPreparationErrorEvent", "cancelFaultManagementJobStateChangeEvent",
    "modifyFaultManagementJobStateChangeEvent", "faultManagementReportCreateEvent",
    "faultManagementReportStateChangeEvent",
)

# MEF publishes fault management configuration and result schemas for IP services only
# (allegro/schema/serviceSchema/ip/...): Cadenza's Carrier Ethernet services use its own types.
FM_CONFIGURATION_TYPE = "urn:cadenza:fm:service-fault-management-configuration:v1"
FAULT_RESULT_TYPE = "urn:cadenza:fm:service-fault:v1"
FAULT_SUMMARY_TYPE = "urn:cadenza:fm:service-fault-summary:v1"
CONNECTIVITY_TEST_TYPE = "urn:cadenza:fm:service-connectivity-test:v1"
# The `$id`s of the MEF IP SAT configurations (allegro/schema/serviceSchema/ip/sat/faultManagment):
# named so a job asking for them is told plainly why it is refused.
IP_SAT_CONFIGURATION_TYPES = {
    "urn:mef:xid:spec:legato:ping-configuration:v0.0.1:all": "ping",
    "urn:mef:xid:spec:service:twamp-configuration:v0.0.1:all": "TWAMP",
    "urn:mef:xid:spec:service:bfd-configuration:v0.0.1:all": "BFD",
    "urn:mef:xid:spec:legato:traceroute-configuration:v0.0.1:all": "traceroute",
    "urn:mef:xid:spec:legato:ip-fault-management-configuration:v0.0.1:all": "IP fault management",
}


def job_href(job_id: str) -> str:
    return f"{FM_BASE}/faultManagementJob/{job_id}"


def report_href(report_id: str) -> str:
    return f"{FM_BASE}/faultManagementReport/{report_id}"


def cancel_href(cancel_id: str) -> str:
    return f"{FM_BASE}/cancelFaultManagementJob/{cancel_id}"


def modify_href(modify_id: str) -> str:
    return f"{FM_BASE}/modifyFaultManagementJob/{modify_id}"
