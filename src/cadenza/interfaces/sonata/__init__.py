"""SONATA (Buyer -> Seller, MEF LSO): base paths and the typed Buyer client."""

from __future__ import annotations

from cadenza.interfaces.sonata.client import HubApi, Listing, SonataClient
from cadenza.interfaces.sonata.errors import SonataError, SonataHttpError

__all__ = ["HubApi", "Listing", "SonataClient", "SonataError", "SonataHttpError"]
