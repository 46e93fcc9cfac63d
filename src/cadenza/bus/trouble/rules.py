"""What a buyer may put in a ticket and change of it (MEF 124 §6.1, §6.4): the checks that are
about the ticket's history rather than the payload's shape (the official file checks that).
Each refusal is the spec's 422 naming the property and what would be accepted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadenza.core.errors import Unprocessable

__all__ = ["check_buyer_items", "check_kept", "check_contacts", "SELLER_CONTACT_ROLES"]

SELLER_CONTACT_ROLES = frozenset({"sellerTicketContact", "sellerTechnicalContact"})


def check_buyer_items(payload: Mapping[str, Any], start: Mapping[str, int] | None = None) -> None:
    """R16/R17: every note, attachment and related issue the buyer adds says `source: buyer`;
    R10/R31: an attachment is a `url` or (`content` and `mimeType`)."""
    for name in ("note", "attachment", "relatedIssue"):
        for index, item in enumerate(payload.get(name) or []):
            if index < (start or {}).get(name, 0):
                continue
            if item.get("source") != "buyer":
                raise Unprocessable(f"/{name}/{index}/source: an item the buyer adds has source 'buyer'",
                                    property_path=f"/{name}/{index}/source")
            if name == "attachment" and not item.get("url") and not (item.get("content") and item.get("mimeType")):
                raise Unprocessable(f"/attachment/{index}: give its url, or its content and mimeType",
                                    code="missingProperty", property_path=f"/attachment/{index}/url")


def check_kept(current: Mapping[str, Any], patch: Mapping[str, Any], name: str) -> None:
    """R20/R32: notes and attachments are only added: a patched list starts with the items there
    are, unchanged (the note list given whole, as the guide's example does)."""
    if name not in patch:
        return
    old, new = current.get(name) or [], patch[name] or []
    if len(new) < len(old) or any(a != b for a, b in zip(old, new, strict=False)):
        raise Unprocessable(f"/{name}: items are only added: give the {len(old)} there are, unchanged, then the new "
                            "ones", property_path=f"/{name}")


def check_contacts(current: Mapping[str, Any], patch: Mapping[str, Any]) -> None:
    """R32: the buyer may change its own contacts, not the seller's, and keeps a reporterContact (R9)."""
    if "relatedContactInformation" not in patch:
        return
    new = patch["relatedContactInformation"] or []
    ours = [c for c in current.get("relatedContactInformation") or [] if c.get("role") in SELLER_CONTACT_ROLES]
    if any(c not in new for c in ours):
        raise Unprocessable("/relatedContactInformation: keep the seller's contacts "
                            f"({', '.join(sorted({c['role'] for c in ours}))}) as they are",
                            property_path="/relatedContactInformation")
    if any(c.get("role") in SELLER_CONTACT_ROLES for c in new if c not in ours):
        raise Unprocessable("/relatedContactInformation: the seller's contact roles are the seller's to set",
                            property_path="/relatedContactInformation")
    if not any(c.get("role") == "reporterContact" for c in new):
        raise Unprocessable("/relatedContactInformation: a ticket keeps a contact with role reporterContact",
                            code="missingProperty", property_path="/relatedContactInformation")
