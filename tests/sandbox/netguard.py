"""A readable tripwire for network use in the tests: Python connections other than loopback fail.

The offline guarantee itself comes from the operating system: the test command runs inside a
network namespace with loopback only (tools/offline.sh). This guard adds a clear message inside
Python processes. With ``LESSON_NETWORK_GUARD=1`` (set by the test command) ``sitecustomize`` installs
it in every Python process of the session, notebook kernels included. It patches Python's ``socket``
module only: C/C++ code, subprocesses that are not Python, and raw ``_socket`` calls are not seen
(the namespace stops those). A blocked attempt raises ``NetworkBlockedError`` and is appended to the
file named by ``LESSON_NETWORK_LOG`` (if set), so that the session fails even when a library catches
the error and carries on.
"""
import ipaddress
import os
import socket

GUARD_ENV = "LESSON_NETWORK_GUARD"
LOG_ENV = "LESSON_NETWORK_LOG"
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class NetworkBlockedError(ConnectionRefusedError):
    """Raised for a connection that offline mode must not make."""


def is_loopback(host):
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost would need DNS


def _block(what):
    message = (
        f"lesson_utils network guard: {what} blocked. In offline mode "
        f"({GUARD_ENV}=1) the lessons must not use the network; set AG_NEWS_DIR and "
        "LESSON_ASSETS=offline, or run outside the test command to allow downloads."
    )
    log = os.environ.get(LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"pid {os.getpid()}: {what}\n")
    raise NetworkBlockedError(message)


def install():
    """Patch ``socket`` so that only loopback and Unix-socket connections pass."""
    if getattr(socket.socket.connect, "_lesson_guard", False):
        return
    real_connect, real_connect_ex, real_getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            _block(f"connection to {address[0]}:{address[1]}")

    def connect(self, address):
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not is_loopback(host):
            _block(f"name lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    connect._lesson_guard = True
    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo


def install_if_requested():
    value = os.environ.get(GUARD_ENV, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        install()
    elif value not in ("", "0", "false", "no", "off"):
        raise SystemExit(f"{GUARD_ENV}={os.environ[GUARD_ENV]!r} is not understood: use 1 (guard on) or 0 (off).")
