"""Ordering a partner's access segment through our own BUS (MEF 55.0.1 step 9b, the second
option: SOF-sp -> LEGATO -> BUS-sp -> SONATA -> BUS-partner).

MEF 55.0.1 names this LEGATO interaction but no LEGATO API defines it; Cadenza defines it
here (docs/legato-profile.md, "Partner access"): four JSON operations under
`/cadenza/legato/partnerAccess/v1/{party}`, served by the BUS and called by the SOF with its
LEGATO credentials. This module holds the contract: the payloads, the paths and the client.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, Literal

import httpx
from pydantic import Field

from cadenza.core.client_credentials import TokenProvider, TokenUnavailable, send_with_token

__all__ = ["AccessRequest", "SegmentTestResult", "AccessStatus", "PartnerAccessError", "PARTNER_ACCESS_BASE",
           "LegatoPartnerAccess", "status_from_json", "status_to_json", "partner_news"]

PARTNER_ACCESS_BASE = "/cadenza/legato/partnerAccess/v1"


def partner_news(party: str, reference: str) -> str:
    """The wake-up key of one partner segment (see `cadenza.core.wakeups`)."""
    return f"partner:{party}:{reference}"


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """An Access E-Line (OVC) from the partner's UNI at `site` to the partner's `enni`."""

    # The bounds are the contract too: the BUS takes this class as its request body.
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)]  # stable for the life of our service
    partner: str  # the partner's party id (PartnerConfig.party)
    site: dict[str, Any]  # {"id": partner site id} or a fielded address (city, streetName, streetNr, ...)
    ce_vlan: Annotated[int | None, Field(ge=1, le=4094)]  # at the UNI; None: port-based
    enni: str  # the partner's ENNI edge point facing us (PartnerConfig.partner_enni)
    s_vlan: Annotated[int, Field(ge=1, le=4094)]  # on the ENNI (ours and the partner's side carry the same)
    bandwidth_mbps: Annotated[int, Field(ge=0)]  # the committed rate; 0 for a best-effort line with an EIR
    max_delay_ms: Annotated[float | None, Field(gt=0)] = None
    # The partner's quote item ({quoteId, id}) this segment was quoted on: its order references it.
    quote_item: dict[Annotated[str, Field(max_length=20)], Annotated[str, Field(max_length=200)]] | None = None
    # The excess rate beside the committed one: configured by the partner, not reserved.
    eir_mbps: Annotated[int, Field(ge=0)] = 0

    def __post_init__(self) -> None:
        if self.bandwidth_mbps < 0 or self.eir_mbps < 0 or self.bandwidth_mbps + self.eir_mbps < 1:
            raise ValueError("an access segment needs a committed rate (bandwidth_mbps) or an excess rate "
                             "(eir_mbps) of at least 1 Mbit/s")


@dataclass(frozen=True, slots=True)
class SegmentTestResult:
    """The partner's activation test of its segment (step 11)."""

    passed: bool
    delay_ms: float
    loss_ratio: float
    rate_mbps: float
    failures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AccessStatus:
    state: Literal["inProgress", "active", "failed", "removed"]
    reason: str | None = None  # why it failed, in words a person can act on
    test: SegmentTestResult | None = None  # present once active
    bandwidth_mbps: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    # the segment is active, but the last change of it (a modify) failed, for this reason
    change_failed: str | None = None


class PartnerAccessError(Exception):
    """The partner could not be reached or refused the request outright (then `refused`)."""

    def __init__(self, reason: str, *, refused: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.refused = refused


def status_to_json(status: AccessStatus) -> dict[str, Any]:
    return asdict(status)


def status_from_json(body: dict[str, Any]) -> AccessStatus:
    test = body.get("test")
    result = SegmentTestResult(**{**test, "failures": tuple(test.get("failures", ()))}) if test else None
    return AccessStatus(state=body["state"], reason=body.get("reason"), bandwidth_mbps=body.get("bandwidth_mbps"),
                        detail=body.get("detail") or {}, test=result, change_failed=body.get("change_failed"))


class LegatoPartnerAccess:
    """The SOF's adapter for the second step-9b option: every call is a LEGATO request to our
    own BUS, which orders from the partner over SONATA.

    The BUS hears of the partner's progress from its notifications and, when it shares this
    process, wakes the waiting workflow at once; otherwise the workflow's safety-net read
    every few seconds finds the change."""

    notifies = True

    def __init__(self, base_url: str, token: TokenProvider, *, party: str,
                 transport: httpx.BaseTransport | None = None, timeout_s: float = 60.0) -> None:
        self.party = party
        self._token = token
        self._http = httpx.Client(base_url=base_url.rstrip("/") + f"{PARTNER_ACCESS_BASE}/{party}",
                                  transport=transport, timeout=timeout_s)

    def order(self, request: AccessRequest) -> str:
        return self._call("POST", "/accessOrder", asdict(request))["reference"]

    def status(self, reference: str) -> AccessStatus:
        return status_from_json(self._call("GET", f"/accessOrder/{reference}"))

    def modify(self, reference: str, bandwidth_mbps: int, idempotency_key: str, *, ce_vlan: int | None = None) -> None:
        body: dict[str, Any] = {"bandwidth_mbps": bandwidth_mbps, "idempotency_key": idempotency_key}
        if ce_vlan is not None:
            body["ce_vlan"] = ce_vlan
        self._call("POST", f"/accessOrder/{reference}/modify", body)

    def remove(self, reference: str, idempotency_key: str) -> None:
        self._call("POST", f"/accessOrder/{reference}/remove", {"idempotency_key": idempotency_key})

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            reply = send_with_token(self._http, method, path, self._token, json=body)
        except (httpx.HTTPError, TokenUnavailable) as exc:
            raise PartnerAccessError(f"the BUS did not answer {method} {path}: {exc}") from exc
        if reply.is_success:
            return reply.json() if reply.content else {}
        try:
            reason = reply.json().get("reason") or reply.text[:300]
        except ValueError:
            reason = reply.text[:300]
        # 4xx: the BUS or the partner said no to this request; 5xx: worth trying again later
        raise PartnerAccessError(reason, refused=400 <= reply.status_code < 500 and reply.status_code not in (408, 429))
