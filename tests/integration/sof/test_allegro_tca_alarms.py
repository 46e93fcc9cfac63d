"""A degraded link under a customer's service: the ICM's threshold crossing raises a TCA alarm
(qualityOfServiceAlarm, tcaStatefulSetAlarm attributes) the customer reads over ALLEGRO and is
told of; the repair's CLEARED clears it with tcaStatefulClearAlarm attributes."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
import yaml
from jsonschema import Draft7Validator

from cadenza.icm.pm_collection import FRAME_LOSS, collect
from cadenza.icm.settings import PmSettings
from cadenza.sof.alarms.threshold import CLEAR_ALARM_TYPE, SET_ALARM_TYPE
from tests.helpers.mef import MEF_LSO
from tests.helpers.servers import wait_until
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid
from tests.integration.sof.test_allegro_alarms import (
    MANAGEMENT,
    NOTIFICATION,
    _active_service,
    _customer,
    _links,
    alarm_listener,
)

SETTINGS = PmSettings(catch_up_bins=4)


@cache
def _schema(name: str) -> dict[str, Any]:
    with open(MEF_LSO / "allegro/serviceApi/alarm" / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _assert_attributes(name: str, attributes: dict[str, Any]) -> None:
    errors = list(Draft7Validator(_schema(name)).iter_errors(attributes))
    assert not errors, [e.message for e in errors]


def _twin(operator: httpx.Client, path: str, body: dict[str, Any]) -> None:
    reply = operator.post(f"/cadenza/twin/v1/{path}", json=body)
    assert reply.status_code == 200, reply.text


def test_a_lossy_link_raises_a_tca_alarm_on_the_customers_service_and_its_repair_clears_it(
        sof_landscape: SofLandscape) -> None:
    acme = _customer(sof_landscape, "acme", "acme-demo-secret")
    operator = sof_landscape.client("sp-operator", "operator-demo-secret")
    icm = sof_landscape.domain.icms["metro"]
    service = _active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 430, "acme-corp")
    try:
        with alarm_listener(acme) as heard:
            _twin(operator, "clock", {"scale": 0, "advanceSeconds": 1900})
            collect(icm, SETTINGS)
            a, b = sorted(_links(sof_landscape, service))[0].split("|")
            _twin(operator, "links/degrade", {"a": a, "b": b, "loss_ratio": 0.05})
            _twin(operator, "clock", {"scale": 0, "advanceSeconds": 1800})
            assert collect(icm, SETTINGS).crossings >= 1
            raised = wait_until(lambda: acme.list_alarms(alarmType="qualityOfServiceAlarm", state="unAcknowledged"),
                                timeout=60, what="a TCA alarm")
            alarm = acme.get_alarm(raised[0]["id"])
            assert_valid(MANAGEMENT, "Alarm", alarm)
            assert (alarm["probableCause"], alarm["perceivedSeverity"], alarm["serviceAffecting"]) == (
                "thresholdCrossed", "warning", False)
            assert alarm["affectedService"] == [{"id": service["id"]}]
            attributes = alarm["alarmSpecificAttributes"]
            assert attributes["@type"] == SET_ALARM_TYPE and attributes["performanceMetricName"] == FRAME_LOSS
            assert attributes["performanceMetricValue"] > attributes["tcaPerformanceThresholdValue"]
            _assert_attributes("tcaStatefulSetAlarm.yaml", attributes)
            assert acme.list_alarms(alarmType="communicationsAlarm") == [], "degraded, not down"
            created = wait_until(lambda: heard.of("alarmCreateEvent"), what="the alarmCreateEvent")
            assert_valid(NOTIFICATION, "AlarmCreateEvent", created[0])

            _twin(operator, "links/degrade", {"a": a, "b": b, "loss_ratio": 0.0})
            _twin(operator, "clock", {"scale": 0, "advanceSeconds": 1800})
            collect(icm, SETTINGS)
            # each direction that crossed has its own alarm, and its own clear
            wait_until(lambda: {x["id"] for x in acme.list_alarms(alarmType="qualityOfServiceAlarm", state="cleared")}
                       >= {x["id"] for x in raised}, timeout=60, what="the TCA alarms cleared")
            after = acme.get_alarm(raised[0]["id"])
            assert after["perceivedSeverity"] == "cleared"
            assert after["alarmSpecificAttributes"]["@type"] == CLEAR_ALARM_TYPE
            _assert_attributes("tcaStatefulClearAlarm.yaml", after["alarmSpecificAttributes"])
            assert wait_until(lambda: heard.of("alarmStateChangeEvent"), what="the alarmStateChangeEvent")
    finally:
        acme.close()
        operator.close()
