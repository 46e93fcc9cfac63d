"""The benchmarks' customers: the orders they place, their tokens, and the listener through
which they hear of their orders' progress, as a customer would."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from cadenza.bench.ports import free_port
from cadenza.landscape.demo_orders import ORDERS, evpl_order

__all__ = ["SP_SITES", "FINAL", "nth_order", "customer_headers", "token", "OrderNews", "subscribe"]

FINAL = ("completed", "failed", "partial", "cancelled", "rejected")
SP_SITES = [f"site-{area}-{n}-{p}" for area in ("east", "west") for n in range(1, 5) for p in (1, 2)]
PARTNER_SITE = {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", "streetNr": "11", "streetName": "Evergreen",
                "streetType": "Terrace", "city": "Springfield", "postcode": "50001", "country": "US"}


def nth_order(n: int, partner_share: float) -> tuple[str, bool, dict[str, Any]]:
    """The benchmark's n-th order: whose, whether it needs the partner, and its body (a 1 Mbit/s
    EVPL with a CE-VLAN of its own, so no two orders compete for one)."""
    customer = "acme" if n % 2 else "globex"
    off_net = (n % round(1 / partner_share)) == 0 if partner_share else False
    a = {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": SP_SITES[n % len(SP_SITES)]}
    z = PARTNER_SITE if off_net else {"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION",
                                       "id": SP_SITES[(n + 7) % len(SP_SITES)]}
    return customer, off_net, evpl_order(customer, a, z, vlan=100 + n, mbps=1)


def token(url: str, client_id: str, secret: str) -> dict[str, str]:
    reply = httpx.post(f"{url}/oauth2/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                   "client_secret": secret}, timeout=10)
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def customer_headers(sp: str) -> dict[str, dict[str, str]]:
    return {"acme": token(sp, "acme", "acme-demo-secret"), "globex": token(sp, "globex", "globex-demo-secret")}


class OrderNews:
    """The customers' listener: the bench hears of its orders' progress as a customer would, from
    the order notifications, and reads an order only when told it changed (polling every few
    milliseconds would load the Service Provider with the benchmark's own requests)."""

    SAFETY_NET_S = 5.0

    def __init__(self, customers: list[str], *, listener_base: str = "/mefApi/cantata/productOrderingNotification/v5",
                 orders: str = ORDERS) -> None:
        """`listener_base`: the notification API's base path the events arrive at (CANTATA's
        product ordering; `bench/control.py` hears ALLEGRO's service ordering); `orders`: where
        an order is read."""
        from cadenza.core.notifications.listener import listener_router

        self.app = FastAPI()
        self.orders = orders
        for customer in customers:
            self.app.include_router(listener_router(f"/bench/{customer}{listener_base}", self._on_event))
        self._lock = threading.Lock()
        self._events: dict[str, threading.Event] = {}
        self._heard: set[str] = set()
        self.received = 0  # notifications delivered here: hops of the orders too
        self.port = free_port()
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="error"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> OrderNews:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def callback(self, customer: str) -> str:
        return f"http://127.0.0.1:{self.port}/bench/{customer}"

    def _on_event(self, _event_type: str, event: dict[str, Any]) -> None:
        order_id = (event.get("event") or {}).get("id")
        with self._lock:
            self.received += 1
            self._heard.add(order_id)
            waiting = self._events.get(order_id)
        if waiting is not None:
            waiting.set()

    def watch(self, order_id: str) -> threading.Event:
        with self._lock:
            news = self._events.setdefault(order_id, threading.Event())
            if order_id in self._heard:
                news.set()
        return news

    def follow(self, http: httpx.Client, order_id: str) -> str:
        """The order's final state, read each time its notifications say it changed."""
        news = self.watch(order_id)
        while True:
            news.clear()
            state = http.get(f"{self.orders}/{order_id}").json()["state"]
            if state in FINAL:
                return state
            news.wait(self.SAFETY_NET_S)


def subscribe(sp: str, headers: dict[str, dict[str, str]], news: OrderNews) -> None:
    """Every customer's listener registered at the Service Provider's CANTATA hub."""
    hub = f"{sp}{ORDERS.removesuffix('/productOrder')}/hub"
    for customer, auth in headers.items():
        httpx.post(hub, json={"callback": news.callback(customer)}, headers=auth, timeout=10).raise_for_status()
