"""What counts as a partner's answer when it is asked about a place over SONATA: a 4xx is a
refusal (an answer); a timeout, no connection, a 5xx, 408 or 429 is no answer yet, which the
order then waits for (bus/partner_choice.decide). The partner is a real SonataClient on an
injected transport playing the partner's HTTP side."""

from __future__ import annotations

import httpx
import pytest

from cadenza.bus.partners import PartnerDirectory
from cadenza.interfaces.sonata.client import SonataClient
from cadenza.landscape.config import PartnerConfig

PARTNER = PartnerConfig(party="partner-a", name="Alpha Access", url="http://partner-a.example", client_id="sp",
                        client_secret="secret-secret", enni="enni-1", partner_enni="enni-sp", cities=["Springfield"])
PLACE = {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", "city": "Springfield", "streetName": "Evergreen",
         "streetNr": "11", "postcode": "50001", "country": "US"}


def _directory(answer: httpx.Response | Exception) -> PartnerDirectory:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300})
        if isinstance(answer, Exception):
            raise answer
        return answer

    return PartnerDirectory([PARTNER], buyer_name="SP", buyer_party="sp", client_factory=lambda p: SonataClient(
        p.url, client_id=p.client_id, client_secret=p.client_secret, transport=httpx.MockTransport(handle)))


@pytest.mark.parametrize("answer", [httpx.Response(503, json={"code": "serviceUnavailable", "reason": "busy"}),
                                    httpx.Response(500, json={"code": "internalError", "reason": "oops"}),
                                    httpx.Response(429, json={"code": "tooManyRequests", "reason": "slow down"}),
                                    httpx.Response(408, json={"code": "timeout", "reason": "late"}),
                                    httpx.ReadTimeout("timed out"), httpx.ConnectError("refused")])
def test_a_partner_that_fails_to_answer_has_not_answered(answer: httpx.Response | Exception) -> None:
    offer = _directory(answer).qualify_and_quote(PARTNER, PLACE, 100)
    assert (offer.serviceable, offer.answered, offer.asked) == (False, False, "SONATA productOfferingQualification")
    assert offer.name == "Alpha Access"


@pytest.mark.parametrize("status", [400, 403, 422])
def test_a_partner_that_refuses_has_answered(status: int) -> None:
    offer = _directory(httpx.Response(status, json={"code": "invalidValue", "reason": "no"})).qualify_and_quote(
        PARTNER, PLACE, 100)
    assert (offer.serviceable, offer.answered, offer.asked) == (False, True, None)
