"""The Customer Application Coordinator of thread 10.9 (docs/threads/10.9-connectivity-for-cloud.md):
it follows the utilisation of its data-centre services through ALLEGRO performance reports and
raises or lowers their bandwidth within their bounds, through ALLEGRO service orders.

Steps as the thread numbers them: (1) the services and their bounds from Service Inventory,
(2) a scheduled performance job per service whose reports it reads as each becomes ready,
(3) the sizing rule (cus/sizing.py), (4) a `modify` order when the rule says so, and (10) the
order followed to its end. While an order of its own is open on a service it decides nothing
more for it; after a change it lets `settle_intervals` intervals pass (the report covering the
change mixes the old rate with the new) before it trusts the utilisation again. A refusal (a
bound, the changes left today) is logged with the provider's reason and the service is left as
it is until the next window says otherwise."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.clock import parse_iso
from cadenza.cus.capacity import holding
from cadenza.cus.sizing import Band, RateBounds, next_rate
from cadenza.interfaces.allegro.http import AllegroError
from cadenza.interfaces.allegro.inventory_client import ServiceInventoryClient
from cadenza.interfaces.allegro.ordering_client import ServiceOrderingClient, change_item, change_order
from cadenza.interfaces.allegro.pm_client import PerformanceClient, scheduled_job, utilisation_by_interval
from cadenza.interfaces.allegro.reservation import ReservationClient

__all__ = ["CoordinatorSettings", "Coordinator", "Decision"]

log = logging.getLogger("cadenza.cus")
_OPEN_JOB = ("acknowledged", "scheduled", "inProgress")
_FINAL_ORDER = ("completed", "failed", "cancelled", "rejected", "partial")
_INTERVAL = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class CoordinatorSettings:
    sp_url: str
    client_id: str
    client_secret: str
    services: tuple[str, ...] = ()  # none: every active service of the customer
    band: Band = field(default_factory=Band)
    floor_mbps: int = 0
    profile_id: str = "cadenza-sls-15min-hourly"
    settle_intervals: int = 4
    poll_s: float = 5.0


@dataclass(frozen=True, slots=True)
class Decision:
    service_id: str
    from_mbps: int
    to_mbps: int
    mean_percent: float
    order_id: str | None  # None: the provider refused it
    reason: str


@dataclass
class _Watched:
    service_id: str
    service_type: str
    job_id: str
    samples: dict[str, float] = field(default_factory=dict)  # interval start -> utilisation %
    seen_reports: set[str] = field(default_factory=set)
    latest: datetime | None = None  # the start of the latest interval reported
    trust_after: datetime | None = None  # intervals starting before this are not used
    open_order: str | None = None
    held: bool = False


def _moment(text: str) -> datetime:
    return parse_iso(text).astimezone(UTC)


class Coordinator:
    def __init__(self, settings: CoordinatorSettings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        token = ClientCredentials(settings.sp_url, settings.client_id, settings.client_secret)
        self.inventory = ServiceInventoryClient(settings.sp_url, token, transport=transport)
        self.ordering = ServiceOrderingClient(settings.sp_url, token, transport=transport)
        self.performance = PerformanceClient(settings.sp_url, token, transport=transport)
        self.reservations = ReservationClient(settings.sp_url, token, transport=transport)
        self.watched: dict[str, _Watched] = {}
        self.decisions: list[Decision] = []
        self._wake = threading.Event()

    def close(self) -> None:
        for client in (self.inventory, self.ordering, self.performance, self.reservations):
            client.close()

    # -- step 1 and 2: what to watch, and the jobs that measure it ------------------------------

    def start(self) -> None:
        wanted = self.settings.services or tuple(s["id"] for s in self.inventory.list_services(state="active"))
        for service_id in wanted:
            service = self.inventory.get_service(service_id)
            self.watched[service_id] = _Watched(service_id, service["serviceConfiguration"]["@type"],
                                                self._job_for(service_id))
            log.info("watching %s (job %s)", service_id, self.watched[service_id].job_id)

    def _job_for(self, service_id: str) -> str:
        """The coordinator's job on the service: one already running (after a restart of the
        coordinator) or a new one, so reports are never asked for twice."""
        for job in self.performance.list_jobs(serviceId=service_id):
            profile = (job.get("performanceProfile") or {}).get("performanceProfileId")
            if job["state"] in _OPEN_JOB and profile == self.settings.profile_id:
                return job["id"]
        return self.performance.create_job(scheduled_job(service_id, self.settings.profile_id))["id"]

    # -- one round: follow orders, read new reports, decide -------------------------------------

    def step(self) -> list[Decision]:
        made = []
        for watched in self.watched.values():
            self._follow_order(watched)
            self._read_reports(watched)
            if watched.open_order is None and (decision := self._decide(watched)) is not None:
                made.append(decision)
        self.decisions.extend(made)
        return made

    def _follow_order(self, watched: _Watched) -> None:
        if watched.open_order is None:
            return
        order = self.ordering.get_order(watched.open_order)
        if order["state"] not in _FINAL_ORDER:
            return
        log.info("%s: order %s %s", watched.service_id, order["id"], order["state"])
        watched.open_order = None
        if order["state"] == "completed":
            self._settle(watched)

    def _settle(self, watched: _Watched) -> None:
        """The rate changed: what was measured before (and while) it did is not the new rate's."""
        watched.samples.clear()
        if watched.latest is not None:
            watched.trust_after = watched.latest + _INTERVAL * (1 + self.settings.settle_intervals)

    def _read_reports(self, watched: _Watched) -> None:
        reports = self.performance.list_reports(performanceJobId=watched.job_id, state="completed")
        for listed in sorted(reports, key=lambda r: r["id"]):
            if listed["id"] in watched.seen_reports:
                continue
            watched.seen_reports.add(listed["id"])
            for start, percent in utilisation_by_interval(self.performance.get_report(listed["id"])).items():
                watched.latest = max(_moment(start), watched.latest or _moment(start))
                if watched.trust_after is None or _moment(start) >= watched.trust_after:
                    watched.samples[start] = percent

    def _held(self, watched: _Watched) -> bool:
        """A reservation for a known event (cus/capacity.py) holds the rate, or is about to."""
        return holding(self.reservations.list(), watched.service_id, datetime.now(UTC)) is not None

    def _decide(self, watched: _Watched) -> Decision | None:
        held = self._held(watched)
        if held or watched.held:
            if not held:  # the event's capacity was given back: let the rate it returned to settle
                self._settle(watched)
            watched.held = held
            watched.samples.clear()  # measured against the event's rate: not the traffic's own
            return None
        policy = self.inventory.control_policy(watched.service_id)
        rates = policy.get("bandwidth")
        if rates is None:
            return None
        current = int(policy["bandwidthMbps"])
        bounds = RateBounds(rates["minMbps"], rates["maxMbps"], rates["stepMbps"], self.settings.floor_mbps)
        window = [watched.samples[s] for s in sorted(watched.samples, key=_moment)]
        rate = next_rate(window, current, bounds, self.settings.band)
        if rate is None:
            return None
        mean = sum(window[-self.settings.band.window:]) / self.settings.band.window
        why = (f"mean utilisation {mean:.0f} % of {current} Mbit/s over the last {self.settings.band.window} "
               f"intervals ({'above' if rate > current else 'below'} the band "
               f"{self.settings.band.down_percent:g}-{self.settings.band.up_percent:g} %)")
        try:
            order = self.ordering.create_order(change_order(
                change_item("1", watched.service_id, watched.service_type, rate),
                description=f"Customer Application Coordinator: {why}"))
        except AllegroError as exc:
            reason = (exc.body[0].get("reason") if isinstance(exc.body, list) and exc.body else exc.reason)
            log.warning("%s: %d -> %d Mbit/s refused: %s", watched.service_id, current, rate, reason)
            watched.samples.clear()  # ask again only on a new window
            return Decision(watched.service_id, current, rate, mean, None, str(reason))
        watched.open_order = order["id"]
        log.debug("%s: %d -> %d Mbit/s (order %s): %s", watched.service_id, current, rate, order["id"], why)
        return Decision(watched.service_id, current, rate, mean, order["id"], why)

    # -- running -----------------------------------------------------------------------------

    def wake(self) -> None:
        """A report is ready (the listener heard performanceJobReportReadyEvent): look now."""
        self._wake.set()

    def run(self, stop: threading.Event, *, on_decision: Callable[[Decision], None] | None = None) -> None:
        while not stop.is_set():
            try:
                for decision in self.step():
                    if on_decision is not None:
                        on_decision(decision)
            except AllegroError as exc:  # the provider is unreachable or refused a read: try again later
                log.warning("round failed: %s", exc.reason)
            self._wake.wait(self.settings.poll_s)
            self._wake.clear()


def report_ready_handler(coordinator: Coordinator) -> Callable[[str, dict[str, Any]], None]:
    def on_event(event_type: str, _event: dict[str, Any]) -> None:
        if event_type == "performanceJobReportReadyEvent":
            coordinator.wake()

    return on_event
