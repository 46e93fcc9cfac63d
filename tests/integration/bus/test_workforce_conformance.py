"""Schemathesis against the running domain: the official CANTATA and SONATA Work Order and
Appointment Management files, each with its buyer's token (a customer; a provider buying from
the domain) and a work order and an appointment of its own, find no server error, no response
outside the spec's schemas and no status the spec does not document; every request the spec
forbids is refused (negative_data_rejection).

One check is off for one operation: the file's `listWorkOrder` answers a single
`WorkOrder_Find`, its guide (use case 13, R51) a list of them, which Cadenza answers
(docs/bus-profile.md, "Field work"); the list's items are checked against `WorkOrder_Find` in
tests/integration/bus/test_field_work_api.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cadenza.bus.trouble import desk as trouble
from cadenza.bus.trouble.confirmation import desk_of
from cadenza.bus.workforce import booking
from cadenza.bus.workforce.field import dispatch_field_work, proposed_slots
from cadenza.bus.workforce.force import Fault, workforce_of
from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.clock import iso_at
from cadenza.interfaces.cantata.workforce import APPOINTMENT_BASE, WORK_ORDER_BASE
from cadenza.interfaces.sonata.workforce import SONATA_APPOINTMENT_BASE, SONATA_WORK_ORDER_BASE
from tests.helpers.mef import MEF_LSO
from tests.integration.bus.trouble_domain import TroubleDomain, trouble_domain  # noqa: F401

BUYERS = {"cantata": ("acme", "acme-demo-secret", "acme-corp"),
          "sonata": ("provider-x", "provider-x-secret", "provider-x")}
RUNS = {
    # (family, api): (spec, base)
    ("cantata", "workorder"): (MEF_LSO / "cantata/productApi/workforce/workorder/workorderManagement.api.yaml",
                               WORK_ORDER_BASE),
    ("cantata", "appointment"): (MEF_LSO / "cantata/productApi/workforce/appointment/appointmentManagement.api.yaml",
                                 APPOINTMENT_BASE),
    ("sonata", "workorder"): (MEF_LSO / "sonata/productApi/workforce/workorder/workorderManagement.api.yaml",
                              SONATA_WORK_ORDER_BASE),
    ("sonata", "appointment"): (MEF_LSO / "sonata/productApi/workforce/appointment/appointmentManagement.api.yaml",
                                SONATA_APPOINTMENT_BASE),
}


def _field_work(trouble_domain: TroubleDomain, family: str, party: str) -> tuple[str, str]:  # noqa: F811
    """A ticket of the buyer's with a work order and a confirmed appointment: the ids every
    `{id}` of the runs takes."""
    assert trouble_domain.domain.business is not None
    name = trouble_domain.domain.business.bus.name
    desk = desk_of(name)
    payload = {"description": "No light on the access port", "observedImpact": "down", "priority": "high",
               "severity": "extensive", "ticketType": "assistance",
               "relatedEntity": [{"@referredType": "Product", "id": trouble_domain.products[party],
                                  "role": "Issue Source"}],
               "relatedContactInformation": [{"role": "reporterContact", "name": "N", "number": "1",
                                              "emailAddress": "n@example.com"}]}
    workforce = workforce_of(name)
    with trouble_domain.database.transaction() as session:
        row = trouble.open_ticket(session, desk, desk.apis[family], party, payload)
        order = dispatch_field_work(session, name, row.id, Fault("port", "pe-e1", "ge-0/0/2"))
        slot = proposed_slots(session, workforce, party)[0]
        contact = {"name": "N", "number": "1", "emailAddress": "n@example.com"}
        visit = booking.book(session, workforce, order, {
            "relatedContactInformation": [{**contact, "role": "buyerAppointmentContact"},
                                          {**contact, "role": "appointmentPlaceContact"}],
            "validFor": {"startDateTime": iso_at(slot[0]), "endDateTime": iso_at(slot[1])}}, by="buyer")
        return order.id, visit.id


def _config(tmp_path: Path, order_id: str, appointment_id: str) -> Path:
    path = tmp_path / "schemathesis.toml"
    ours = (f'\n[[operations]]\ninclude-path-regex = "^/workorder/"\nparameters = {{ "path.id" = "{order_id}" }}\n'
            f'\n[[operations]]\ninclude-path-regex = "^/appointment/"\n'
            f'parameters = {{ "path.id" = "{appointment_id}" }}\n'
            # every check but positive_data_acceptance (as tests/helpers/schemathesis.py), set here
            # rather than on the command line, which would override the operation's own below
            '\n[checks]\npositive_data_acceptance.enabled = false\n'
            '\n[[operations]]\ninclude-operation-id = "listWorkOrder"\n'
            'checks.response_schema_conformance.enabled = false\n')
    path.write_text((Path(__file__).parents[3] / "schemathesis.toml").read_text() + ours)
    return path


@pytest.mark.parametrize("run", sorted(RUNS), ids=lambda r: "-".join(r))
def test_the_workforce_specs_find_no_server_error_and_no_schema_violation(
        trouble_domain: TroubleDomain, run: tuple[str, str], tmp_path: Path) -> None:  # noqa: F811
    family, _api = run
    spec, base = RUNS[run]
    client_id, secret, party = BUYERS[family]
    config = _config(tmp_path, *_field_work(trouble_domain, family, party))
    token = ClientCredentials(trouble_domain.base_url, client_id, secret)
    args = [str(Path(sys.executable).parent / "st"), "--config-file", str(config), "run", str(spec),
            "--url", f"{trouble_domain.base_url}{base}",
            "-H", f"Authorization: Bearer {token()}", "--no-color", "--seed", "1",
            "--phases", "examples,coverage,fuzzing", "-n", "25",
            "--suppress-health-check", "too_slow"]
    run_ = subprocess.run(args, capture_output=True, text=True, timeout=900, check=False)
    assert run_.returncode == 0, run_.stdout[-8000:]
    assert "passed" in run_.stdout
