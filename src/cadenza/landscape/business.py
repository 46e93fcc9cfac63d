"""Wiring the Business Applications and Service Orchestration of a provider domain: their
clients to each other (LEGATO, PRESTO over this domain's own HTTP address), to partners
(SONATA, INTERLUDE), their routers and their standing subscriptions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from cadenza.bus import fulfilment
from cadenza.bus.address import AddressBook
from cadenza.bus.api.address import address_router
from cadenza.bus.api.catalog import catalog_router
from cadenza.bus.api.degradation_listener import degradation_listener_router
from cadenza.bus.api.incident import incident_router
from cadenza.bus.api.legato_listener import LISTENER_PREFIX, WAKING_EVENT_TYPES, legato_listener_router
from cadenza.bus.api.legato_partner_access import partner_access_router
from cadenza.bus.api.legato_usage import usage_router
from cadenza.bus.api.outage_listener import OUTAGE_EVENT_TYPES, outage_listener_router
from cadenza.bus.api.poq import poq_router
from cadenza.bus.api.product_inventory import product_inventory_router
from cadenza.bus.api.product_order import product_order_router
from cadenza.bus.api.quote import quote_router
from cadenza.bus.api.service_listener import FOLLOWED_SERVICE_EVENTS, service_listener_router
from cadenza.bus.api.site import site_router
from cadenza.bus.api.trouble_operator import trouble_operator_router
from cadenza.bus.api.trouble_report_listener import trouble_report_listener_router
from cadenza.bus.api.trouble_ticket import trouble_ticket_router
from cadenza.bus.api.workforce import appointment_router, work_order_router
from cadenza.bus.catalog import Catalog
from cadenza.bus.feasibility import NetworkFeasibility
from cadenza.bus.incident.follow import Desk
from cadenza.bus.ordering import OfferingRules
from cadenza.bus.partner_asks import DurablePartnerAsks
from cadenza.bus.partner_choice import PartnerChooser
from cadenza.bus.partners import PartnerDirectory
from cadenza.bus.poq import Qualifications
from cadenza.bus.product_order import CANTATA, SONATA, orders
from cadenza.bus.product_schemas import validate_product_configuration
from cadenza.bus.quote import Quotes
from cadenza.bus.runtime import Bus, register
from cadenza.bus.serviceability import Serviceability
from cadenza.bus.site import SiteDirectory
from cadenza.bus.sonata_access import SonataAccess
from cadenza.bus.trouble import partner as partner_tickets
from cadenza.bus.trouble.confirmation import register_desk as register_trouble_desk
from cadenza.bus.trouble.confirmation import resume_confirmations
from cadenza.bus.trouble.desk import TroubleDesk, incident_changed
from cadenza.bus.trouble.diagnosis import ask_sof
from cadenza.bus.trouble.ticket import CANTATA_TICKETS, SONATA_TICKETS
from cadenza.bus.workforce.apis import CANTATA_WORKFORCE, SONATA_WORKFORCE
from cadenza.bus.workforce.force import FieldForce, Workforce
from cadenza.bus.workforce.visit import register as register_visits
from cadenza.bus.workforce.visit import resume_visits
from cadenza.core.auth import require
from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.db import Database
from cadenza.core.notifications.listener import listener_router
from cadenza.core.notifications.listener_credentials import NOTIFY_SCOPE
from cadenza.core.notifications.store import HubStore
from cadenza.interfaces.legato.alarm import LEGATO_ALARM_API
from cadenza.interfaces.legato.client import LegatoClient
from cadenza.interfaces.legato.degradation import DEGRADATION_API, DEGRADATION_EVENT_TYPES
from cadenza.interfaces.legato.partner_access import LegatoPartnerAccess
from cadenza.interfaces.legato.trouble_report import TROUBLE_REPORT_API, TROUBLE_REPORT_EVENT_TYPES
from cadenza.interfaces.legato.usage import LegatoUsage
from cadenza.interfaces.presto.paths import events_api
from cadenza.interfaces.sonata import SonataHttpError
from cadenza.interfaces.sonata.paths import PRODUCT_ORDER_LISTENER_BASE
from cadenza.interfaces.sonata.trouble_ticket import SONATA_TROUBLE_TICKET_LISTENER_BASE
from cadenza.landscape import partner_hubs
from cadenza.landscape.config import DomainConfig, bus_settings, sof_settings
from cadenza.sof import operational_reading
from cadenza.sof.api.allegro_alarm import alarm_router, legato_alarm_router
from cadenza.sof.api.allegro_control import allegro_control_router
from cadenza.sof.api.allegro_fm import allegro_fm_router
from cadenza.sof.api.allegro_inventory import allegro_inventory_router
from cadenza.sof.api.allegro_ordering import allegro_ordering_router
from cadenza.sof.api.allegro_pm import allegro_pm_router
from cadenza.sof.api.allegro_reservation import allegro_reservation_router
from cadenza.sof.api.allegro_sft import allegro_sft_router
from cadenza.sof.api.feasibility import feasibility_router
from cadenza.sof.api.interlude import interlude_router
from cadenza.sof.api.interlude_listener import interlude_callback, interlude_listener_routers
from cadenza.sof.api.legato import legato_router
from cadenza.sof.api.legato_degradation import degradation_router
from cadenza.sof.api.legato_trouble_report import trouble_report_router
from cadenza.sof.api.pm_v2 import pm_v2_router
from cadenza.sof.api.presto_listener import PRESTO_EVENT_TYPES, PRESTO_LISTENER_PREFIX, presto_listener_router
from cadenza.sof.api.sls import sls_router
from cadenza.sof.faults import execution as fault_execution
from cadenza.sof.function_testing import execution as test_execution
from cadenza.sof.function_testing import profile as test_profiles
from cadenza.sof.interlude_access import InterludeAccess
from cadenza.sof.performance import apis as performance_apis
from cadenza.sof.performance import execution as performance_execution
from cadenza.sof.performance import profile as performance_profiles
from cadenza.sof.runtime import build_sof, interlude_partners, resume_sof
from cadenza.sof.service import Sof
from cadenza.sof.sls import assessor as sls_assessor
from cadenza.sof.trouble import diagnosis as sof_diagnosis

__all__ = ["Business", "build_business"]

log = logging.getLogger(__name__)
PARTNER_LISTENER_PREFIX = "/cadenza/bus/sonata"


@dataclass
class Business:
    bus: Bus
    sof: Sof
    routers: list[APIRouter]
    qualifications: list[Qualifications]
    quotes: list[Quotes]
    sonata_access: dict[str, SonataAccess]
    interlude_access: dict[str, InterludeAccess]
    directory: PartnerDirectory
    public_url: str

    def after_launch(self) -> None:
        """Once DBOS runs: resume what a crash interrupted."""
        resumed = resume_sof(self.sof)
        performance_execution.resume_all(self.sof)
        fault_execution.resume_all(self.sof)
        test_execution.resume_all(self.sof)
        sof_diagnosis.resume_all(self.sof)  # trouble reports accepted before a crash
        with self.bus.database.read() as session:
            waiting_ids = orders.ids_in(session, fulfilment.UNFINISHED)
        for order_id in waiting_ids:
            fulfilment.resume_order(self.bus, order_id)
        # DBOS recovery resumes the POQ and quote assessments under way; this finds any left without one
        requests = sum(store.resume() for store in (*self.qualifications, *self.quotes))
        resume_confirmations(self.bus.name)  # the resolved tickets' waits for the buyer's confirmation
        resume_visits(self.bus.name)  # the booked site visits, waiting for their time
        log.info("%s: resumed %d service orders and %d product orders; queued %d POQ or quote assessments",
                 self.bus.name, resumed, len(waiting_ids), requests)

    def keep_standing_work(self) -> None:
        """Once the domain serves, in every worker: the SOF's periodic reading of its segments'
        states and the registrations at the partners' hubs, durable work that runs once across
        the workers however many start it."""
        operational_reading.schedule_readings(self.sof)
        sls_assessor.schedule_assessment(self.sof, period_s=self.sof.config.sls_assess_every_s)
        hubs: dict[str, tuple[str, partner_hubs.PartnerHub]] = {}
        for party in self.sonata_access:
            hubs[f"SONATA {party}"] = (f"{self.public_url}{PARTNER_LISTENER_PREFIX}/{party}",
                                       partial(self.directory.client(party).register_listener, "productOrder"))
            # the linked tickets opened there (bus/trouble/partner.py)
            hubs[f"SONATA tickets {party}"] = (f"{self.public_url}{PARTNER_LISTENER_PREFIX}/{party}",
                                               partial(self.directory.client(party).register_listener,
                                                       "troubleTicket"))
        for party, access in self.interlude_access.items():
            hubs[f"INTERLUDE {party}"] = (interlude_callback(self.public_url, party), access.subscribe)
            # the reports of the jobs the SOF keeps on the partner's segments (sof/performance/partner_segment.py)
            # and the partner's threshold crossings (sof/partner_crossings.py); named apart from the
            # registration of the reports alone, so a domain that made that one registers again
            hubs[f"INTERLUDE PM {party} reports+crossings"] = (interlude_callback(self.public_url, party),
                                                                access.subscribe_pm)
        partner_hubs.keep_registrations(self.bus.name, hubs)


def _internal_client(config: DomainConfig) -> tuple[str, str]:
    client = next((c for c in config.clients if c.role == "internal"), None)
    if client is None:
        raise ValueError(f"domain {config.name} declares no internal client (role: internal) for its SOF and BUS")
    return client.client_id, client.client_secret


def _heard_from(listener: APIRouter, *parties: str) -> APIRouter:
    """A listener hears only the parties whose events it is for, with the `notify` scope of a
    token this domain issued: our own listeners only our own party, a partner's only that partner."""
    guarded = APIRouter(dependencies=[Depends(require(NOTIFY_SCOPE, parties=set(parties)))])
    guarded.include_router(listener)
    return guarded


def _partner_listener(access: SonataAccess, directory: PartnerDirectory) -> APIRouter:
    async def on_event(_event_type: str, event: dict[str, Any]) -> None:
        order_id = (event.get("event") or {}).get("id")
        if order_id:
            # the event says what changed; what it changed to is read from the partner itself
            try:
                order = await run_in_threadpool(directory.client(access.party).get_product_order, order_id)
            except SonataHttpError as exc:
                if exc.status in (400, 404):  # no order of ours at that partner: nothing to follow
                    log.info("event %s names order %s, which %s does not know: %s", event.get("eventId"),
                             order_id, access.party, exc.reason)
                    return
                raise  # the partner cannot answer now: the sender retries
            await run_in_threadpool(access.remember, order)

    return listener_router(f"{PARTNER_LISTENER_PREFIX}/{access.party}{PRODUCT_ORDER_LISTENER_BASE}", on_event)


def _partner_ticket_listener(domain: str, party: str, database: Database) -> APIRouter:
    async def on_event(_event_type: str, event: dict[str, Any]) -> None:
        ticket_id = (event.get("event") or {}).get("id")
        if ticket_id:  # the partner's ticket is read from the partner, never from the event
            await run_in_threadpool(partner_tickets.hear, domain, party, str(ticket_id), database)

    return listener_router(f"{PARTNER_LISTENER_PREFIX}/{party}{SONATA_TROUBLE_TICKET_LISTENER_BASE}", on_event)


def _keep_presto_subscription(hubs: HubStore, api: str, party: str, callback: str) -> None:
    """The SOF's subscription at an ICM's hub asks for what its listener takes
    (sof/api/presto_listener.py); one made before the listener took more is made again."""
    wanted = tuple(sorted(PRESTO_EVENT_TYPES))
    current = hubs.subscriptions(api=api, party=party)
    if any(tuple(sorted(s.event_types)) == wanted for s in current):
        return
    for subscription in current:
        if subscription.callback == callback:
            hubs.unsubscribe(api=api, party=party, subscription_id=subscription.id)
    hubs.subscribe(api=api, party=party, callback=callback, query=f"eventType={','.join(wanted)}",
                   event_types=list(wanted))


def build_business(config: DomainConfig, database: Database, *, public_url: str, hubs: HubStore,
                   wake: Callable[[], None], own: httpx.BaseTransport | None = None,
                   field_force: FieldForce | None = None) -> Business:
    """`own`: the transport of calls between this domain's entities (at `public_url`);
    `field_force`: the crews that repair the network (the twin's, ecm/field_force.py)."""
    client_id, secret = _internal_client(config)
    token = ClientCredentials(public_url, client_id, secret)
    catalog = Catalog(price_factor=config.price_factor)
    bus_config, sof_config = bus_settings(config), sof_settings(config)
    directory = PartnerDirectory.from_config(bus_config)
    contact = {"role": "buyerContactInformation", "name": f"{config.party.name} order desk",
               "emailAddress": f"orders@{config.party.id}.example", "number": "+1-555-0100"}
    sonata_access = {p.party: SonataAccess(party=p.party, client=directory.client(p.party), database=database,
                                           contact=contact) for p in config.partners if p.ordering == "sonata"}
    interlude = interlude_partners(sof_config)
    sof = build_sof(config=sof_config, database=database, presto_base_url=public_url, token_provider=token,
                    presto_transport=own,
                    dispatcher_wake=wake, partner_patience={p.party: p.patience() for p in config.partners},
                    partner_names={p.party: p.name for p in config.partners}, public_url=public_url,
                    partner_access={**interlude, **{
                        # step 9b, second option: the SOF asks its BUS over LEGATO, the BUS asks the partner
                        party: LegatoPartnerAccess(public_url, token, party=party, transport=own)
                        for party in sonata_access}},
                    usage=LegatoUsage(public_url, token, transport=own))  # §10.3 step 14: to its BUS
    legato = LegatoClient(public_url, token, transport=own)
    ennis = {e.partner: e.id for nd in config.network_domains for e in nd.edge_points if e.kind == "enni" and e.partner}
    serviceability = Serviceability(list(config.sites), directory, currency=catalog.currency,
                                    network=NetworkFeasibility(legato, ennis=ennis, partners=directory),
                                    asks=DurablePartnerAsks(config.name, directory))
    rules = OfferingRules(kind_of=catalog.kind_of,
                          validate=lambda c, p: validate_product_configuration(c, pointer=p),
                          lead_time_days=catalog.lead_time_days)

    def price(offering: str, mbps: int, off_net: bool, *, eir_mbps: int = 0) -> dict[str, Any]:
        charge = catalog.price(offering, mbps, eir_mbps=eir_mbps)
        return {"nrc": charge.nrc, "mrc": charge.mrc, "currency": charge.currency}

    bus = Bus(config=bus_config, database=database, legato=legato, rules=rules, wake=wake,
              partners=PartnerChooser(serviceability), price=price, public_url=public_url,
              partner_patience={p.party: p.patience() for p in config.partners})
    register(bus)
    fulfilment.ORDERS_QUEUE.worker_concurrency = bus_config.order_queue_concurrency  # registered at launch
    if not hubs.subscriptions(api="legato.serviceOrder", party=config.party.id):
        hubs.subscribe(api="legato.serviceOrder", party=config.party.id, callback=f"{public_url}{LISTENER_PREFIX}",
                       query=f"eventType={','.join(WAKING_EVENT_TYPES)}",
                       event_types=list(WAKING_EVENT_TYPES))  # what wakes its workflows (bus/api/legato_listener.py)
    if not hubs.subscriptions(api="legato.service", party=config.party.id):  # changes the customer made (§10.3)
        hubs.subscribe(api="legato.service", party=config.party.id, callback=f"{public_url}{LISTENER_PREFIX}",
                       query=f"eventType={','.join(FOLLOWED_SERVICE_EVENTS)}",
                       event_types=list(FOLLOWED_SERVICE_EVENTS))
    if not hubs.subscriptions(api=DEGRADATION_API, party=config.party.id):  # §10.6 step 6: SLS degradations
        hubs.subscribe(api=DEGRADATION_API, party=config.party.id, callback=f"{public_url}{LISTENER_PREFIX}",
                       query=f"eventType={','.join(DEGRADATION_EVENT_TYPES)}",
                       event_types=list(DEGRADATION_EVENT_TYPES))
    if not hubs.subscriptions(api=LEGATO_ALARM_API, party=config.party.id):  # §10.5 proactive: outages
        hubs.subscribe(api=LEGATO_ALARM_API, party=config.party.id, callback=f"{public_url}{LISTENER_PREFIX}",
                       query=f"eventType={','.join(OUTAGE_EVENT_TYPES)}", event_types=list(OUTAGE_EVENT_TYPES))
    if not hubs.subscriptions(api=TROUBLE_REPORT_API, party=config.party.id):  # §10.5 step 11: diagnoses
        hubs.subscribe(api=TROUBLE_REPORT_API, party=config.party.id, callback=f"{public_url}{LISTENER_PREFIX}",
                       query=f"eventType={','.join(TROUBLE_REPORT_EVENT_TYPES)}",
                       event_types=list(TROUBLE_REPORT_EVENT_TYPES))
    for network_domain in config.network_domains:  # the SOF hears of its segments from each ICM
        _keep_presto_subscription(hubs, events_api(network_domain.name), config.party.id,
                                  f"{public_url}{PRESTO_LISTENER_PREFIX}")
    book = AddressBook(bus_config)
    sites = SiteDirectory(bus_config, book)
    own = config.party.id
    with database.transaction() as session:
        performance_profiles.seed(session)  # the report types the SP offers (§10.4 step 1)
        test_profiles.seed(session)  # the tests the SP offers (Service Function Testing)
    trouble_desk = TroubleDesk(organization=config.party.name, base_url=public_url,
                               contact={"role": "sellerTicketContact", "name": f"{config.party.name} trouble desk",
                                        "emailAddress": f"trouble@{config.party.id}.example",
                                        "number": "+1-555-0198", "organization": config.party.name},
                               confirmation_s=bus_config.ticket_confirmation_s, wake=wake,
                               diagnose=ask_sof(config.name),  # steps 2-3: SOF diagnoses over LEGATO
                               proactive={party: {"name": c.name, "emailAddress": c.email, "number": c.number}
                                          for party, c in bus_config.proactive_tickets.items()})
    register_trouble_desk(config.name, trouble_desk, database)
    workforce = Workforce(name=config.name, database=database, desk=trouble_desk, base_url=public_url,
                          organization=config.party.name, field_force=field_force,
                          settings=bus_config.field_force, visits=bus_config.field_visits, wake=wake)
    register_visits(workforce)
    desk = Desk(organization=config.party.name, base_url=public_url,
                contact={"role": "incidentContact", "name": f"{config.party.name} incident desk",
                         "emailAddress": f"incidents@{config.party.id}.example", "number": "+1-555-0199",
                         "organization": config.party.name},
                sites={s.id: s.name for s in bus_config.sites}, partners={p.party: p.name for p in config.partners},
                wake=wake, on_change=lambda session, row: incident_changed(session, trouble_desk, row))
    routers: list[APIRouter] = [legato_router(sof, hub_store=hubs), degradation_router(sof, hub_store=hubs),
                                trouble_report_router(sof, hub_store=hubs),
                                allegro_pm_router(sof, hub_store=hubs, public_url=public_url), sls_router(sof),
                                alarm_router(sof, hub_store=hubs), legato_alarm_router(sof, hub_store=hubs),
                                allegro_fm_router(sof, hub_store=hubs),
                                allegro_sft_router(sof, hub_store=hubs),
                                allegro_control_router(sof), allegro_inventory_router(sof, hub_store=hubs),
                                allegro_ordering_router(sof, hub_store=hubs), allegro_reservation_router(sof),
                                feasibility_router(sof),
                                interlude_router(sof, hub_store=hubs),
                                # PM v2: a buyer SOF at this partner (INTERLUDE), the BUS (LEGATO)
                                *(pm_v2_router(sof, api, hub_store=hubs, public_url=public_url)
                                  for api in (performance_apis.INTERLUDE, performance_apis.LEGATO)),
                                _heard_from(legato_listener_router(bus), own),
                                _heard_from(service_listener_router(bus), own),
                                _heard_from(degradation_listener_router(bus, desk), own),
                                _heard_from(outage_listener_router(bus, desk), own), incident_router(bus, hubs),
                                _heard_from(trouble_report_listener_router(bus, trouble_desk), own),
                                trouble_ticket_router(bus, trouble_desk, CANTATA_TICKETS),
                                trouble_ticket_router(bus, trouble_desk, SONATA_TICKETS, hubs),
                                trouble_operator_router(bus),
                                *(router(workforce, api, hubs) for api in (CANTATA_WORKFORCE, SONATA_WORKFORCE)
                                  for router in (work_order_router, appointment_router)),
                                _heard_from(presto_listener_router(sof), own)]
    qualifications, quotes = [], []
    for fam in (CANTATA, SONATA):
        poq = Qualifications(database, serviceability, catalog, family=fam.name, domain=config.name, wake=wake)
        quote = Quotes(database, serviceability, catalog, family=fam.name, domain=config.name, wake=wake)
        qualifications.append(poq)
        quotes.append(quote)
        routers += [catalog_router(catalog, api_family=fam.name, hub_store=hubs),
                    address_router(book, api_family=fam.name), site_router(sites, api_family=fam.name),
                    poq_router(poq, hubs), quote_router(quote, hubs), product_order_router(bus, fam, hubs),
                    product_inventory_router(bus, fam)]
    routers += [_heard_from(_partner_listener(access, directory), party)
                for party, access in sonata_access.items()]
    partner_tickets.register_partners(config.name, {party: directory.client(party) for party in sonata_access})
    routers += [_heard_from(_partner_ticket_listener(config.name, party, database), party)
                for party in sonata_access]
    routers.append(partner_access_router(config.party.id, sonata_access))
    routers.append(usage_router(config.party.id, database))
    for party, access in interlude.items():
        routers += [_heard_from(router, party) for router in interlude_listener_routers(access, sof)]
    return Business(bus, sof, routers, qualifications, quotes, sonata_access, interlude, directory, public_url)

