"""Service Orchestration (SOF): LEGATO service ordering and inventory for the BUS, INTERLUDE
towards partner SOFs, PRESTO towards the domain's ICMs. `cadenza.sof.runtime` builds one."""

from __future__ import annotations

from cadenza.sof.api.interlude import interlude_router
from cadenza.sof.api.legato import legato_router
from cadenza.sof.runtime import build_sof, interlude_partners, resume_sof
from cadenza.sof.service import Sof

__all__ = ["Sof", "build_sof", "interlude_partners", "interlude_router", "legato_router", "resume_sof"]
