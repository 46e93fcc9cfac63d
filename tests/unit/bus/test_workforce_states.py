"""The work order and the appointment move exactly as MEF 137 Figures 17 and 11 draw them
(useCase14WorkOrderStates.puml, appointmentStates.puml), with the spec's names, plus the one move
R49 requires and Figure 17 does not draw (planned -> open when the appointment is cancelled); a
reschedule (Figure 11's Confirmed -> Confirmed) is a patch, not a move. The event types are the
notification files'."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cadenza.bus.workforce import appointment, work_order
from cadenza.interfaces.cantata.workforce import APPOINTMENT_EVENT_TYPES, WORK_ORDER_EVENT_TYPES
from tests.helpers.mef import MEF_LSO
from tests.unit.bus.test_order_state_diagrams import declared, diagram_edges

MEDIA = MEF_LSO / "cantata/documentation/productApi/workforce/media/src"
API = MEF_LSO / "cantata/productApi/workforce"
# Figure 11 writes MEF 113's names; Table 9 maps them to the API's
MEF_113 = {"Confirmed": "confirmed", "In_Progress": "inProgress", "Cancelled": "cancelled", "Missed": "missed",
           "Failed": "failed", "Completed": "completed"}


def _enum(path: str, name: str) -> set[str]:
    return set(yaml.safe_load((API / path).read_text())["components"]["schemas"][name]["enum"])


def test_the_work_order_moves_as_figure_17_draws_and_r49_adds() -> None:
    drawn = diagram_edges(MEDIA / "useCase14WorkOrderStates.puml")
    drawn["planned"].add("open")  # R49
    assert declared(work_order.TRANSITIONS) == drawn
    assert set(work_order.TRANSITIONS) == _enum("workorder/workorderManagement.api.yaml", "WorkOrderStateType")
    assert {"completed", "cancelled", "unableToComplete"} == work_order.TERMINAL


def test_the_appointment_moves_as_figure_11_draws(tmp_path: Path) -> None:
    # the shared parser reads a labelled edge's target with the label ("Why_not: No"): read it unlabelled
    unlabelled = tmp_path / "appointmentStates.puml"
    unlabelled.write_text("\n".join(re.sub(r"\s*:.*$", "", line) if "->" in line else line
                                    for line in (MEDIA / "appointmentStates.puml").read_text().splitlines()))
    drawn = {MEF_113[s]: {MEF_113[n] for n in nexts if n != s} for s, nexts in diagram_edges(unlabelled).items()}
    assert declared(appointment.TRANSITIONS) == drawn
    assert set(appointment.TRANSITIONS) == _enum("appointment/appointmentManagement.api.yaml",
                                                 "AppointmentStatusType")
    assert {"cancelled", "missed", "failed", "completed"} == appointment.TERMINAL


@pytest.mark.parametrize(("path", "name", "ours"), [
    ("workorder/workorderNotification.api.yaml", "WorkOrderEventType", WORK_ORDER_EVENT_TYPES),
    ("appointment/appointmentNotification.api.yaml", "AppointmentEventType", APPOINTMENT_EVENT_TYPES)])
def test_the_event_types_are_the_notification_files(path: str, name: str, ours: tuple[str, ...]) -> None:
    assert set(ours) == _enum(path, name)
