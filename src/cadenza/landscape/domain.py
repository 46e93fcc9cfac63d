"""The composition root of one provider domain: database, twin and ECM, ICMs, workflows and
the HTTP application serving its reference points. The only place concrete parts meet."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from cadenza.core.audit import AuditWriter, install_audit
from cadenza.core.auth import Authenticator, ClientRegistry, TokenIssuer, keys_router, token_router, well_known_router
from cadenza.core.config import settings
from cadenza.core.db import Database
from cadenza.core.errors import install_error_handlers
from cadenza.core.executors import WorkerRegistry
from cadenza.core.in_process import InProcessTransport
from cadenza.core.notifications.delivery import OutboxDispatcher
from cadenza.core.notifications.hub import hub_router
from cadenza.core.notifications.listener_credentials import NOTIFY_SCOPE, ListenerAccess, ListenerCredentials
from cadenza.core.notifications.store import HubStore
from cadenza.core.openapi_validation import OperationTable
from cadenza.core.request_guard import RequestLimits, guard_endpoints, install_request_guard
from cadenza.core.route_index import index_routes
from cadenza.core.signing_keys import ConfiguredKeyRefused, KeyStore, load_private_key
from cadenza.core.workflows import launch_workflows, shutdown_workflows
from cadenza.ecm.api.twin import twin_router
from cadenza.ecm.field_force import TwinFieldForce
from cadenza.ecm.remote import AttachedTwinRuntime, RemoteTwinRuntime, attach_twin, start_remote_twin
from cadenza.ecm.runtime import TwinRuntime, start_twin
from cadenza.icm import activation, pm_schedule, reroute_flow
from cadenza.icm.api.presto import presto_router
from cadenza.icm.service import Icm
from cadenza.icm.topology import Topology
from cadenza.interfaces.allegro import openapi as allegro_openapi
from cadenza.interfaces.allegro.alarm_openapi import alarm_served_specs
from cadenza.interfaces.allegro.fm_openapi import fm_served_specs
from cadenza.interfaces.allegro.sft_openapi import sft_served_specs
from cadenza.interfaces.cantata import openapi as cantata_openapi
from cadenza.interfaces.interlude import openapi as interlude_openapi
from cadenza.interfaces.legato import openapi as legato_openapi
from cadenza.interfaces.legato.alarm import legato_alarm_served_specs
from cadenza.interfaces.presto import openapi as presto_openapi
from cadenza.interfaces.presto.paths import EVENT_TYPES, events_api, icm_base
from cadenza.interfaces.sonata import openapi as sonata_openapi
from cadenza.landscape.business import Business, build_business
from cadenza.landscape.config import DomainConfig, ecm_settings
from cadenza.landscape.database import migrate
from cadenza.landscape.trace_api import trace_router
from cadenza.landscape.workers import TWIN_ENDPOINT, WorkerRole, find_endpoint, refuse_sqlite

__all__ = ["ProviderDomain", "served_operations"]

log = logging.getLogger(__name__)
_ROUTE_THREADS = 200


def served_operations() -> OperationTable:
    """The official spec operations of the reference points a domain serves: every request to
    one is validated against it before its route runs."""
    return OperationTable([*cantata_openapi.served_specs(), *sonata_openapi.served_specs(),
                           *legato_openapi.served_specs(), *interlude_openapi.served_specs(),
                           *presto_openapi.served_specs(), *allegro_openapi.served_specs(),
                           *alarm_served_specs(), *legato_alarm_served_specs(), *fm_served_specs(),
                           *sft_served_specs()])


class ProviderDomain:
    """Everything one organisation runs, built from its YAML description."""

    def __init__(self, config: DomainConfig, *, database_url: str | None = None, var_dir: Path | None = None,
                 driver: str | None = None, netconf_base_port: int | None = None,
                 public_url: str | None = None, worker: WorkerRole | None = None) -> None:
        """`worker`: this process is one of the domain's workers (`landscape/workers.py`): it
        attaches to the twin the supervisor serves and beats as its own DBOS executor."""
        env = settings()
        self.config = config
        self.var_dir = (var_dir or env.var_dir / config.name).resolve()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url or env.database_url or f"sqlite:///{self.var_dir / 'domain.db'}"
        self.worker = worker
        if worker is not None:
            refuse_sqlite(self.database_url, 1)
        self.workers: WorkerRegistry | None = None
        self._driver = driver
        self._netconf_base_port = netconf_base_port
        self.database: Database | None = None
        self.keys: KeyStore | None = None
        self.token_issuer: TokenIssuer | None = None
        self.twin: TwinRuntime | RemoteTwinRuntime | AttachedTwinRuntime | None = None
        self.icms: dict[str, Icm] = {}
        self.dispatcher: OutboxDispatcher | None = None
        self.in_process: InProcessTransport | None = None
        # Where this domain answers: its entities reach each other over their reference points here.
        # It is also the domain's issuer identifier: the `iss` and `aud` of every token it signs.
        self.public_url = (public_url or f"http://{config.host}:{config.port}").rstrip("/")
        self.business: Business | None = None
        self._audit: AuditWriter | None = None

    def start(self) -> FastAPI:
        pools = self.config.database.pools()
        self.database = Database(self.database_url, pool_size=pools.pool_size, max_overflow=pools.max_overflow)
        migrate(self.database)
        self.keys = KeyStore(self.database, configured=self._configured_signing_key())
        self.keys.ensure()  # the first start of a domain creates its first signing key
        self.token_issuer = TokenIssuer(self.keys, issuer=self.public_url)
        listeners = self._listener_credentials(self.database, self.token_issuer)
        self.in_process = InProcessTransport() if self.config.http.in_process else None
        self.dispatcher = OutboxDispatcher(self.database, auth_header_for=listeners, on_refused=listeners.refused,
                                           own=(self.public_url, self.in_process) if self.in_process else None)
        self.twin = self._start_twin(self.database)
        for nd in self.config.network_domains:
            speeds = {(e.name, p.name): p.speed_mbps for e in nd.elements for p in e.ports}
            icm = Icm(topology=Topology.from_config(nd), database=self.database, adagio=self.twin.manager,
                      port_speeds=speeds, wake=self.dispatcher.wake)
            self.icms[nd.name] = icm
            activation.register(icm)
        if isinstance(self.twin, RemoteTwinRuntime | AttachedTwinRuntime):
            icms = list(self.icms.values())
            # a network that restarted empty carries the installed services again
            self.twin.on_restart.append(lambda: [activation.reinstall_all(icm) for icm in icms])
        registry = ClientRegistry(self.database)
        for client in self.config.clients:
            registry.register(client.client_id, client.client_secret, party=client.party, role=client.role,
                              scopes=client.scopes)
        self.hubs = HubStore(self.database, admit=listeners.admit)
        self.business = build_business(self.config, self.database, public_url=self.public_url, hubs=self.hubs,
                                       wake=self.dispatcher.wake, own=self.in_process,
                                       field_force=TwinFieldForce(self.twin.twin))
        workflows_name = f"cadenza-{self.config.name}"
        if self.worker is not None:
            self.workers = WorkerRegistry(self.database, self.worker.executor_id, on_takeover=self._resume)
            # alive before it owns any workflow: a peer never takes over the work of one starting
            self.workers.beat()
        launch_workflows(workflows_name, self.database_url, pool_size=pools.workflow_pool_size,
                         executor_id=self.worker.executor_id if self.worker is not None else None,
                         queue_polling_s=self.config.queue_polling_s)
        if self.workers is not None:
            self.workers.start()
        self._resume()
        for icm in self.icms.values():
            pm_schedule.schedule_collection(icm, self.config.pm)
        return self._app(registry)

    def _resume(self) -> None:
        """Start (or find running) the workflow of everything committed but unfinished: at start,
        and on a worker after it took over a dead one (which may have died between committing
        a request and handing it to its workflow). Workflow ids are the resources' own, so work
        already under way anywhere is found, not started twice."""
        assert self.business is not None
        self.business.after_launch()
        for icm in self.icms.values():
            resumed = activation.resume_all(icm) + reroute_flow.resume_reroutes(icm)
            if resumed:
                log.info("%s: resumed %d connectivity services caught mid-change", icm.name, resumed)

    def _start_twin(self, database: Database) -> TwinRuntime | RemoteTwinRuntime | AttachedTwinRuntime:
        if self.worker is not None:  # the supervisor's, shared by every worker
            return attach_twin(lambda: find_endpoint(database, TWIN_ENDPOINT))
        start = start_remote_twin if self.config.twin.process == "own" else start_twin
        return start(ecm_settings(self.config), var_dir=self.var_dir / "twin", driver=self._driver,  # type: ignore[operator]
                     base_port=self._netconf_base_port)

    def _configured_signing_key(self) -> Ed25519PrivateKey | None:
        key_file = self.config.security.signing_key_file
        if key_file is None:
            return None
        try:
            pem = key_file.read_bytes()
        except OSError as exc:
            raise ConfiguredKeyRefused(f"security.signing_key_file of domain {self.config.name}: cannot read "
                                       f"{key_file} ({exc.strerror})") from exc
        return load_private_key(pem, source=f"security.signing_key_file {key_file}")

    def _listener_credentials(self, database: Database, issuer: TokenIssuer) -> ListenerCredentials:
        """What the outbox presents to listeners, chosen by the party that owns the subscription: its
        own token for its own party at home, a subscriber's own domain's token at that domain."""

        def own_token() -> str:
            return issuer.issue(client_id=f"{self.config.name}-outbox", party=self.config.party.id, role="internal",
                                scopes=[NOTIFY_SCOPE])

        at_subscribers = {c.party: ListenerAccess(c.listener_credentials.url, c.listener_credentials.client_id,
                                                  c.listener_credentials.client_secret)
                          for c in self.config.clients if c.listener_credentials is not None}
        partners = {p.party: p.url for p in self.config.partners}  # their listeners are theirs alone
        return ListenerCredentials(database, own_url=self.public_url, own_party=self.config.party.id,
                                   own_token=own_token, own_token_lifetime_s=issuer.lifetime_s,
                                   credentials=at_subscribers, origins=partners)

    def _app(self, registry: ClientRegistry) -> FastAPI:
        assert self.database is not None and self.twin is not None and self.dispatcher is not None
        dispatcher = self.dispatcher
        in_process = self.in_process

        business = self.business
        assert business is not None

        @asynccontextmanager
        async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
            # Sync routes run on this pool, and a listener's handler may call this same domain
            # (LEGATO, PRESTO at its own address): with anyio's 40 threads, a burst of own events
            # filled the pool with handlers waiting on calls that needed a thread of it.
            anyio.to_thread.current_default_thread_limiter().total_tokens = _ROUTE_THREADS
            if in_process is not None:
                in_process.bind(_app, asyncio.get_running_loop())
            await dispatcher.start()
            await asyncio.to_thread(business.keep_standing_work)
            try:
                yield
            finally:
                await dispatcher.stop()
                if in_process is not None:  # the loop ends with the server: later calls go over HTTP
                    in_process.unbind()

        app = FastAPI(title=f"Cadenza: {self.config.party.name}", version="0.1.0", lifespan=lifespan)
        assert self.token_issuer is not None
        app.state.auth = Authenticator(registry, self.token_issuer)
        app.state.domain = self
        install_error_handlers(app)
        install_request_guard(app, limits=RequestLimits(max_request_bytes=self.config.http.max_request_bytes),
                              operations=served_operations())
        self._audit = install_audit(app, self.database)
        app.include_router(token_router())
        app.include_router(well_known_router())
        app.include_router(keys_router())
        app.include_router(twin_router(self.twin.twin))
        hubs = self.hubs
        for router in business.routers:
            app.include_router(router)
        app.include_router(trace_router(self.database))
        for name, icm in self.icms.items():
            app.include_router(presto_router(icm))
            app.include_router(hub_router(api=events_api(name), base_path=icm_base(name), scope="presto",
                                          event_types=set(EVENT_TYPES), hub_store=hubs))

        @app.get("/health", tags=["operations"])
        def health() -> dict:
            return {"domain": self.config.name, "party": self.config.party.id, "status": "up",
                    "network_domains": sorted(self.icms)}

        guard_endpoints(app)
        index_routes(app)
        return app

    def stop(self) -> None:
        if self._audit is not None:
            self._audit.close()
        shutdown_workflows()
        if self.workers is not None:  # after the workflows left: the peers take over what is unfinished
            self.workers.stop()
        for icm in self.icms.values():
            icm.close()
        if self.twin is not None:
            self.twin.close()
        if self.database is not None:
            self.database.dispose()
