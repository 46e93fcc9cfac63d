"""The SONATA Buyer client: what a Buyer's BUS calls on a Seller (a Partner).

Synchronous (httpx.Client), because its callers are route handlers run in worker threads
and durable workflow steps. Payloads are the specs' JSON documents, passed through
unchanged: the client adds authentication, base paths and error mapping, nothing else.

    with SonataClient("https://partner.example", client_id="sp", client_secret="...") as sonata:
        poq = sonata.create_poq({...})                 # POST .../productOfferingQualification
        order = sonata.create_product_order({...})     # POST .../productOrder
        sonata.register_listener("productOrder", "https://sp.example/listenerEndpoint")
        ticket = sonata.create_trouble_ticket({...})   # POST .../troubleTicket (MEF 124)

Every failure raises `SonataError`; an error answer raises `SonataHttpError` carrying the
status and the Seller's MEF Error body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx

from cadenza.core.client_credentials import ClientCredentials, TokenUnavailable
from cadenza.interfaces.sonata.errors import SonataError, raise_for_mef
from cadenza.interfaces.sonata.paths import POQ_BASE, PRODUCT_INVENTORY_BASE, PRODUCT_ORDER_BASE, QUOTE_BASE
from cadenza.interfaces.sonata.trouble_ticket import SONATA_TROUBLE_TICKET_BASE
from cadenza.interfaces.sonata.workforce import SONATA_APPOINTMENT_BASE, SONATA_WORK_ORDER_BASE

__all__ = ["Listing", "HubApi", "SonataClient"]

Document = dict[str, Any]
HubApi = Literal["poq", "quote", "productOrder", "troubleTicket", "workOrder", "appointment"]
_HUB_BASE: dict[str, str] = {"poq": POQ_BASE, "quote": QUOTE_BASE, "productOrder": PRODUCT_ORDER_BASE,
                             "troubleTicket": SONATA_TROUBLE_TICKET_BASE, "workOrder": SONATA_WORK_ORDER_BASE,
                             "appointment": SONATA_APPOINTMENT_BASE}


def _segment(resource_id: str) -> str:
    """An id as one path segment: an id with '/' or '?' (as a notification may carry) must not
    turn into another request."""
    return quote(str(resource_id), safe="")


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a list operation; `total` is the Seller's X-Total-Count when it gives one."""

    items: list[Document]
    total: int | None


class SonataClient:
    def __init__(self, base_url: str, *, client_id: str, client_secret: str, timeout_s: float = 15.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s, transport=transport)
        self._credentials = ClientCredentials(self.base_url, client_id, client_secret, http=self._http)

    # --- product offering qualification (MEF 87) -------------------------------------------
    def create_poq(self, poq: Document) -> Document:
        return self._call("POST", f"{POQ_BASE}/productOfferingQualification", json=poq)

    def get_poq(self, poq_id: str) -> Document:
        return self._call("GET", f"{POQ_BASE}/productOfferingQualification/{_segment(poq_id)}")

    def list_poqs(self, *, offset: int = 0, limit: int = 100, **filters: str) -> Listing:
        return self._list(f"{POQ_BASE}/productOfferingQualification", offset, limit, filters)

    # --- quote (MEF 115) ---------------------------------------------------------------------
    def create_quote(self, quote: Document) -> Document:
        return self._call("POST", f"{QUOTE_BASE}/quote", json=quote)

    def get_quote(self, quote_id: str) -> Document:
        return self._call("GET", f"{QUOTE_BASE}/quote/{_segment(quote_id)}")

    def list_quotes(self, *, offset: int = 0, limit: int = 100, **filters: str) -> Listing:
        return self._list(f"{QUOTE_BASE}/quote", offset, limit, filters)

    # --- product order (MEF 123) ---------------------------------------------------------------
    def create_product_order(self, order: Document) -> Document:
        return self._call("POST", f"{PRODUCT_ORDER_BASE}/productOrder", json=order)

    def get_product_order(self, order_id: str) -> Document:
        return self._call("GET", f"{PRODUCT_ORDER_BASE}/productOrder/{_segment(order_id)}")

    def list_product_orders(self, *, offset: int = 0, limit: int = 100, **filters: str) -> Listing:
        """`filters` are the spec's query parameters, e.g. `state="completed"`, `externalId=...`."""
        return self._list(f"{PRODUCT_ORDER_BASE}/productOrder", offset, limit, filters)

    def create_cancel_product_order(self, request: Document) -> Document:
        return self._call("POST", f"{PRODUCT_ORDER_BASE}/cancelProductOrder", json=request)

    def get_cancel_product_order(self, request_id: str) -> Document:
        return self._call("GET", f"{PRODUCT_ORDER_BASE}/cancelProductOrder/{_segment(request_id)}")

    # --- product inventory (MEF 127) -----------------------------------------------------------
    def get_product(self, product_id: str) -> Document:
        return self._call("GET", f"{PRODUCT_INVENTORY_BASE}/product/{_segment(product_id)}")

    def list_products(self, *, offset: int = 0, limit: int = 100, **filters: str) -> Listing:
        """`filters` e.g. `productOrderId=...`, `status="active"`, `geographicalSiteId=...`."""
        return self._list(f"{PRODUCT_INVENTORY_BASE}/product", offset, limit, filters)

    # --- trouble ticket (MEF 124): the Buyer reporting an issue with a product it bought ----
    def create_trouble_ticket(self, ticket: Document) -> Document:
        return self._call("POST", f"{SONATA_TROUBLE_TICKET_BASE}/troubleTicket", json=ticket)

    def get_trouble_ticket(self, ticket_id: str) -> Document:
        return self._call("GET", f"{SONATA_TROUBLE_TICKET_BASE}/troubleTicket/{_segment(ticket_id)}")

    def list_trouble_tickets(self, *, offset: int = 0, limit: int = 100, **filters: str) -> Listing:
        """`filters` e.g. `status="resolved"`, `relatedEntityId=...`, `externalId=...`."""
        return self._list(f"{SONATA_TROUBLE_TICKET_BASE}/troubleTicket", offset, limit, filters)

    def patch_trouble_ticket(self, ticket_id: str, patch: Document) -> Document:
        """`patch` a `TroubleTicket_Update` (json merge: a note list is given whole, new notes last)."""
        return self._call("PATCH", f"{SONATA_TROUBLE_TICKET_BASE}/troubleTicket/{_segment(ticket_id)}", json=patch)

    def cancel_trouble_ticket(self, ticket_id: str) -> None:
        self._call("POST", f"{SONATA_TROUBLE_TICKET_BASE}/troubleTicket/{_segment(ticket_id)}/cancel")

    def close_trouble_ticket(self, ticket_id: str) -> None:
        """The Buyer confirms the resolution."""
        self._call("POST", f"{SONATA_TROUBLE_TICKET_BASE}/troubleTicket/{_segment(ticket_id)}/close")

    def reopen_trouble_ticket(self, ticket_id: str, reason: str) -> None:
        """The Buyer still observes the issue: `reason` says what."""
        self._call("POST", f"{SONATA_TROUBLE_TICKET_BASE}/troubleTicket/{_segment(ticket_id)}/reopen",
                   json={"reason": reason})

    # --- work orders and appointments (MEF 137): the Seller's technicians on our tickets ---------
    def get_work_order(self, work_order_id: str) -> Document:
        return self._call("GET", f"{SONATA_WORK_ORDER_BASE}/workorder/{_segment(work_order_id)}")

    def list_work_orders(self, *, offset: int = 0, limit: int = 100, **filters: str) -> Listing:
        """`filters` e.g. `relatedEntityId=<ticket id>`, `state="open"`, `appointmentRequired="true"`."""
        return self._list(f"{SONATA_WORK_ORDER_BASE}/workorder", offset, limit, filters)

    def search_time_slots(self, search: Document) -> Document:
        """`search` a `SearchTimeSlot_Create`: the Seller's free slots for the work order."""
        return self._call("POST", f"{SONATA_APPOINTMENT_BASE}/searchTimeSlot", json=search)

    def create_appointment(self, appointment: Document) -> Document:
        return self._call("POST", f"{SONATA_APPOINTMENT_BASE}/appointment", json=appointment)

    def get_appointment(self, appointment_id: str) -> Document:
        return self._call("GET", f"{SONATA_APPOINTMENT_BASE}/appointment/{_segment(appointment_id)}")

    def list_appointments(self, *, offset: int = 0, limit: int = 100, **filters: str) -> Listing:
        return self._list(f"{SONATA_APPOINTMENT_BASE}/appointment", offset, limit, filters)

    def patch_appointment(self, appointment_id: str, patch: Document) -> Document:
        return self._call("PATCH", f"{SONATA_APPOINTMENT_BASE}/appointment/{_segment(appointment_id)}", json=patch)

    def cancel_appointment(self, appointment_id: str) -> None:
        self._call("POST", f"{SONATA_APPOINTMENT_BASE}/appointment/{_segment(appointment_id)}/cancel")

    # --- notifications ---------------------------------------------------------------------------
    def register_listener(self, api: HubApi, callback: str, *, query: str | None = None) -> Document:
        """Subscribe `callback` (our listener host) to `api`'s events; `query` e.g. `eventType=a,b`."""
        body: Document = {"callback": callback}
        if query:
            body["query"] = query
        return self._call("POST", f"{_HUB_BASE[api]}/hub", json=body)

    def unregister_listener(self, api: HubApi, subscription_id: str) -> None:
        self._call("DELETE", f"{_HUB_BASE[api]}/hub/{_segment(subscription_id)}")

    # --- plumbing --------------------------------------------------------------------------------
    def _list(self, path: str, offset: int, limit: int, filters: dict[str, str]) -> Listing:
        params = {k: v for k, v in filters.items() if v is not None} | {"offset": offset, "limit": limit}
        response = self._send("GET", path, params=params)
        total = response.headers.get("X-Total-Count")
        return Listing(items=response.json(), total=int(total) if total is not None else None)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        return response.json() if response.content else None

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in (1, 2):
            try:
                headers = {"Authorization": f"Bearer {self._credentials.token()}"}
            except TokenUnavailable as exc:
                if exc.response is not None:
                    raise_for_mef(exc.response)
                raise SonataError(str(exc), url=exc.url) from exc
            try:
                response = self._http.request(method, path, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                raise SonataError(f"{method} {self.base_url}{path} failed: {exc}", url=self.base_url + path) from exc
            # A Seller restarted with a new signing key refuses our cached token: fetch one, once.
            if response.status_code == 401 and attempt == 1:
                self._credentials.forget()
                continue
            raise_for_mef(response)
            return response
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SonataClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


