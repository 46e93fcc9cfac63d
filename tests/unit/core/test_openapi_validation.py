"""The vendored OpenAPI files are the official ones, and the validation built on them says what
is wrong in terms a person can act on."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest

import cadenza.interfaces as interfaces
from cadenza.core.openapi_validation import Operation, OperationTable, ServedSpec
from cadenza.interfaces.cantata import openapi as cantata
from cadenza.interfaces.sonata import openapi as sonata

try:
    from tests.helpers.mef import MEF_LSO
except FileNotFoundError:  # the MEF material is not beside this checkout
    MEF_LSO = None

VENDORED = sorted(Path(interfaces.__file__).parent.glob("*/openapi/**/*.yaml"))
ORDER = sonata.SPEC_DIR / "productApi/order/productOrderManagement.api.yaml"


@pytest.mark.skipif(MEF_LSO is None, reason="../shared/mef-lso is not present")
@pytest.mark.parametrize("path", VENDORED, ids=lambda p: f"{p.parts[-5 if 'productApi' in p.parts else -4]}/{p.name}")
def test_each_vendored_spec_is_byte_identical_to_the_official_file(path: Path) -> None:
    reference_point = path.relative_to(Path(interfaces.__file__).parent).parts[0]
    relative = path.relative_to(Path(interfaces.__file__).parent / reference_point / "openapi")
    assert path.read_bytes() == (MEF_LSO / reference_point / relative).read_bytes()


def test_every_cantata_and_sonata_management_api_is_vendored() -> None:
    assert len(VENDORED) >= 2 * len(sonata.MANAGEMENT_APIS)
    for module in (cantata, sonata):
        for name in module.MANAGEMENT_APIS:
            assert (module.SPEC_DIR / name).is_file()


def test_operations_are_found_under_the_spec_base_and_a_listener_below_its_callback() -> None:
    table = OperationTable([ServedSpec(ORDER), ServedSpec(sonata.SPEC_DIR / sonata.NOTIFICATION_APIS[0],
                                                          prefixed=True)])
    op, params = table.match("GET", "/mefApi/sonata/productOrderingManagement/v10/productOrder/42")
    assert (op.operation_id, params) == ("retrieveProductOrder", {"id": "42"})
    assert table.match("GET", "/x/mefApi/sonata/productOrderingManagement/v10/productOrder/42") is None
    listener = table.match("POST", "/cb/p/mefApi/sonata/productOrderingNotification/v10/listener/"
                                   "productOrderStateChangeEvent")
    assert listener is not None and listener[0].operation_id == "productOrderStateChangeEvent"
    assert table.match("PUT", "/mefApi/sonata/productOrderingManagement/v10/productOrder/42") is None


def test_a_body_problem_names_the_pointer_and_what_was_expected() -> None:
    op = Operation(ORDER, "/cancelProductOrder", "post")
    rejection = op.check("", {}, {"productOrder": {"productOrderId": ["a"]}, "cancellationReasonType": "bored",
                                  "relatedContactInformation": []}, has_body=True)
    assert rejection is not None and rejection.status == 422
    by_path = {e["propertyPath"]: e for e in rejection.body}
    assert "must be of type string, not array" in by_path["/productOrder/productOrderId"]["reason"]
    assert by_path["/cancellationReasonType"]["code"] == "invalidValue"
    assert "must be one of" in by_path["/cancellationReasonType"]["reason"]


def test_an_operation_without_a_documented_422_answers_a_single_400() -> None:
    op = Operation(ORDER, "/hub", "post")
    rejection = op.check("", {}, {"callback": 5}, has_body=True)
    assert rejection is not None and rejection.status == 400
    assert rejection.body["code"] == "invalidBody" and "/callback" in rejection.body["reason"]
    missing = op.check("", {}, None, has_body=False)
    assert missing is not None and "needs a JSON request body" in missing.body["reason"]


@pytest.mark.parametrize(("value", "ok"), [("2025-01-31T12:00:00Z", True), ("2025-01-31T12:00:00+02:00", True),
                                           ("2025-01-31", False), ("2025-01-31T12:00:00", False), ("null", False)])
def test_date_time_filters_take_rfc_3339_only(value: str, ok: bool) -> None:
    op = Operation(ORDER, "/productOrder", "get")
    assert (op.check(urlencode({"orderDate.gt": value}), {}, None, has_body=False) is None) is ok
