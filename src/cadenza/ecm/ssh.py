"""SSH plumbing for the simulated elements: one host key, password login, loopback only.

`netconf.server.NetconfSSHServer` (netconf 2.1.0, pinned) listens on every address; the
twin must only be reachable from this host, so `LoopbackNetconfServer` does the listening
itself and reuses the library's accept loop, sessions and lock bookkeeping unchanged.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import paramiko
from netconf.server import NetconfServerSession, NetconfSSHServer
from sshutil.server import SSHServerSocket

__all__ = ["USERNAME", "PASSWORD", "host_key", "PasswordGate", "LoopbackNetconfServer"]

USERNAME = "cadenza"
PASSWORD = "cadenza"

_host_key_lock = threading.Lock()


def host_key(var_dir: Path) -> paramiko.PKey:
    """The twin's host key, generated on first use and kept so clients see the same key."""
    path = var_dir / "twin" / "ssh_host_ecdsa_key"
    with _host_key_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = paramiko.ECDSAKey.generate(bits=256)
            key.write_private_key_file(str(path))
            return key
        return paramiko.ECDSAKey.from_private_key_file(str(path))


class PasswordGate(paramiko.ServerInterface):
    """Password login that also refuses everyone while the element is down."""

    def __init__(self, answering: Callable[[], bool], username: str = USERNAME, password: str = PASSWORD) -> None:
        self._answering = answering
        self._username = username
        self._password = password

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        if self._answering() and (username, password) == (self._username, self._password):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_subsystem_request(self, channel: paramiko.Channel, name: str) -> bool:
        return name == "netconf"


# Only AES-GCM, which authenticates in C: with any other cipher paramiko compares each MAC
# byte by byte in Python, the largest single cost of a round trip. SSH clients choose the
# cipher, so offering only these is what makes them use one.
_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
_TRANSPORT_LOG = "cadenza.ecm.ssh.transport"


class _ServerSocket(SSHServerSocket):
    """sshutil's per-client connection, with the cipher preference above."""

    def __init__(self, server_ctl: paramiko.ServerInterface, session_class: type, extra_args: object,
                 server: NetconfSSHServer, newsocket: socket.socket, addr: object, debug: bool) -> None:
        # Same steps as SSHServerSocket.__init__, which gives no hook between creating the
        # transport and starting it.
        self.session_class = session_class
        self.extra_args = extra_args
        self.server = server
        self.client_socket = newsocket
        self.client_addr = addr
        self.debug = debug
        self.server_ctl = server_ctl
        self.sessions = []
        self.ssh = paramiko.Transport(newsocket)
        self.ssh.set_log_channel(_TRANSPORT_LOG)
        self.ssh.get_security_options().ciphers = _CIPHERS
        self.ssh.add_server_key(server.host_key)
        try:
            self.ssh.start_server(server=server_ctl)
        except paramiko.SSHException:
            newsocket.close()
            self.client_socket = None
            raise
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._accept_chan_thread, daemon=True, name="netconf-channels")
        self.thread.start()

    def close(self) -> None:
        # The channel thread waits in `accept(timeout=1)`, which closing the transport does not
        # interrupt; waking it first makes shutdown take milliseconds instead of a second.
        with self.lock:
            self.running = False
        transport = self.ssh
        if transport is not None:
            with transport.lock:
                transport.server_accept_cv.notify_all()
        super().close()


class LoopbackNetconfServer(NetconfSSHServer):
    """NetconfSSHServer bound to 127.0.0.1 (port 0: any free port, read `.port` after)."""

    def __init__(self, gate: paramiko.ServerInterface, methods: object, key: paramiko.PKey, port: int = 0) -> None:
        # Deliberately not calling the parent constructors: they bind to every address.
        self.server_methods = methods
        self.session_id = 1
        self.session_locks_lock = threading.Lock()
        self.session_locks = {"running": 0, "candidate": 0}
        self.server_ctl = gate
        self.server_socket_class = _ServerSocket
        self.server_session_class = NetconfServerSession
        self.extra_args = None
        self.debug = False
        self.host_key = key
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", port))
            listener.listen(100)
        except OSError:
            listener.close()
            raise
        self.port = listener.getsockname()[1]
        self.ports = {socket.AF_INET: self.port}
        self.close_wsocket, self.close_rsocket = socket.socketpair()
        self.lock = threading.Lock()
        self.sockets: list[SSHServerSocket] = []
        self.thread = threading.Thread(target=self._accept_socket_thread, args=[listener], daemon=True,
                                       name=f"netconf-accept-{self.port}")
        self.thread.start()

    def __del__(self) -> None:  # the parent logs every garbage-collected server at ERROR level
        pass


class _RoutineNoise(logging.Filter):
    """netconf 2.1.0 logs every lock and unlock at ERROR level; those are routine here."""

    _ROUTINE = ("Lock Target", "Unlock Target", "Deleting ", "Connection reset by peer")

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(word in str(record.msg) for word in self._ROUTINE)


# A client closing its socket shows on the element's own transport as a reset: routine too.
for _name in ("netconf.server", "sshutil.server", _TRANSPORT_LOG):
    logging.getLogger(_name).addFilter(_RoutineNoise())
