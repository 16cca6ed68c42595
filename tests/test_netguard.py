"""The offline network guard: loopback passes, anything else is blocked and logged."""
import os
import subprocess
import sys

import pytest

from lesson_utils import netguard

SCRIPT = """
import socket, lesson_utils
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
socket.create_connection(server.getsockname(), timeout=5).close()
print("loopback ok")
for target in [("203.0.113.7", 80), ("example.com", 443)]:
    try:
        socket.create_connection(target, timeout=5)
    except lesson_utils.netguard.NetworkBlockedError as error:
        print("blocked", target[0])
"""


def test_guard_blocks_everything_but_loopback_in_a_fresh_process(tmp_path):
    log = tmp_path / "network.log"
    env = dict(os.environ, LESSON_NETWORK_GUARD="1", LESSON_NETWORK_LOG=str(log))
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["loopback ok", "blocked 203.0.113.7", "blocked example.com"]
    assert "203.0.113.7" in log.read_text() and "example.com" in log.read_text()


def test_guard_is_active_in_this_test_session(tmp_path, monkeypatch):
    if os.environ.get(netguard.GUARD_ENV) != "1":
        pytest.skip("the test command runs with LESSON_NETWORK_GUARD=1")
    import socket

    monkeypatch.setenv(netguard.LOG_ENV, str(tmp_path / "intended.log"))  # keep the session's log clean
    with pytest.raises(netguard.NetworkBlockedError, match="offline mode"):
        socket.getaddrinfo("tfhub.dev", 443)
    assert "tfhub.dev" in (tmp_path / "intended.log").read_text()


@pytest.mark.parametrize("host, local", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                         ("10.0.0.1", False), ("8.8.8.8", False), ("tfhub.dev", False)])
def test_is_loopback(host, local):
    assert netguard.is_loopback(host) is local
