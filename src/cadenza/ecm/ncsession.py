"""An ncclient SSH session that sends each RPC at once.

ncclient 0.7.1 queues outgoing messages for its reader thread, which looks at the queue only
between 100 ms `select` timeouts: every RPC then waits up to 100 ms before leaving. Writing
from the caller's thread (under a lock, with the same framing) removes that wait; the reader
thread still receives and dispatches replies as before.
"""

from __future__ import annotations

import threading
from typing import Any

from ncclient.devices.default import DefaultDeviceHandler
from ncclient.manager import Manager
from ncclient.transport.errors import TransportError
from ncclient.transport.session import END_DELIM, MSG_DELIM, NetconfBase
from ncclient.transport.ssh import SSHSession

__all__ = ["connect"]


class _PromptSSHSession(SSHSession):
    def __init__(self, device_handler: Any) -> None:
        super().__init__(device_handler)
        self._send_lock = threading.Lock()

    def send(self, message: str) -> None:
        if not self.connected:
            raise TransportError("Not connected to NETCONF server")
        data = message.encode()
        if self._base == NetconfBase.BASE_11:
            data = b"\n#%i\n%s%s" % (len(data), data, END_DELIM)
        else:
            data += MSG_DELIM
        with self._send_lock:
            self._channel.sendall(data)


def connect(host: str, port: int, username: str, password: str, *, timeout: float) -> Manager:
    handler = DefaultDeviceHandler()
    session = _PromptSSHSession(handler)
    try:
        session.connect(host=host, port=port, username=username, password=password, hostkey_verify=False,
                        allow_agent=False, look_for_keys=False, timeout=timeout)
    except Exception:
        if session.transport:
            session.close()
        raise
    return Manager(session, handler, timeout=timeout)
