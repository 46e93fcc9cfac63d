"""Building a SOF for the composition root (`cadenza.landscape.domain`): its PRESTO client,
its partner adapters and the registration its durable workflows need."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from cadenza.core.client_credentials import ClientCredentials, TokenProvider
from cadenza.interfaces.interlude.client import InterludeClient
from cadenza.interfaces.interlude.pm_client import PerformanceMonitoringClient
from cadenza.interfaces.presto.client import PrestoClient
from cadenza.sof import fulfilment, steps
from cadenza.sof.control import schedule
from cadenza.sof.interlude_access import InterludeAccess
from cadenza.sof.partner_access import PartnerAccess
from cadenza.sof.service import Sof
from cadenza.sof.settings import SofSettings

__all__ = ["build_sof", "interlude_partners", "resume_sof"]


def build_sof(*, config: SofSettings, database, presto_base_url: str, token_provider: TokenProvider,  # noqa: ANN001
              dispatcher_wake: Callable[[], None] | None, partner_access: Mapping[str, PartnerAccess],
              presto_transport: httpx.BaseTransport | None = None, **options: Any) -> Sof:
    """The domain's SOF. `database` is the domain's `Database`; `token_provider` gives a
    bearer token with the `presto` scope; `partner_access` maps a partner's party id to the
    adapter that orders from it (see `interlude_partners`). Call before DBOS is launched."""
    presto = PrestoClient(presto_base_url, token_provider, transport=presto_transport)
    sof = Sof(name=config.name, config=config, database=database, presto=presto, partner_access=partner_access,
              wake=dispatcher_wake, **options)
    steps.register(sof)
    return sof


def interlude_partners(config: SofSettings, *,
                       transport: httpx.BaseTransport | None = None) -> dict[str, InterludeAccess]:
    """An INTERLUDE adapter for every partner whose agreement says `ordering: interlude`."""
    adapters: dict[str, InterludeAccess] = {}
    for partner in config.partners:
        if partner.ordering == "interlude":
            token = ClientCredentials(partner.url, partner.client_id, partner.client_secret, transport=transport)
            adapters[partner.party] = InterludeAccess(
                InterludeClient(partner.url, token, transport=transport, timeout_s=partner.call_timeout_s),
                party=partner.party,
                pm=PerformanceMonitoringClient(partner.url, token, transport=transport,
                                               timeout_s=partner.call_timeout_s))
    return adapters


def resume_sof(sof: Sof) -> int:
    """After DBOS is launched: hand every unfinished order to its workflow, and every change
    waiting for its time (or a temporary one for its end) to its schedule."""
    resumed = fulfilment.resume_all(sof)
    schedule.resume_all(sof)
    return resumed
