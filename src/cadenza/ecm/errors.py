"""What an element answers when it says no.

`RpcError` is the element-side refusal, shaped like a NETCONF rpc-error (RFC 6241 §4.3) so
the SSH server can put it on the wire unchanged and the scale driver can hand it to the
manager exactly as ncclient would::

    RpcError            error-tag: invalid-value | data-exists | data-missing | in-use |
                        lock-denied | operation-failed | unknown-element | ...
    ElementDown         the element does not answer at all (powered off, isolated)
"""

from __future__ import annotations

__all__ = ["RpcError", "ElementDown"]


class RpcError(Exception):
    def __init__(self, tag: str, message: str, *, path: str | None = None, error_type: str = "application") -> None:
        super().__init__(message)
        self.tag = tag
        self.message = message
        self.path = path
        self.error_type = error_type

    def __str__(self) -> str:
        return f"{self.tag}: {self.message}"


class ElementDown(Exception):
    """Raised instead of an answer while the element is failed."""
