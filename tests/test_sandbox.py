"""The offline sandbox of the tests: a network namespace with loopback only (tools/offline.sh), and the
Python guard inside it (tests/sandbox). Nothing here connects to any address but loopback outside a
namespace that the test makes itself."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OFFLINE = ROOT / "tools" / "offline.sh"
SANDBOX = ROOT / "tests" / "sandbox"
sys.path.insert(0, str(SANDBOX))
import netguard  # noqa: E402


def namespace_available():
    done = subprocess.run(["sh", "-c", "command -v unshare && command -v ip && unshare -rn ip link set lo up "
                                       "|| unshare -n ip link set lo up"], capture_output=True)
    return done.returncode == 0


def in_a_fresh_namespace(code, **env):
    """Run Python ``code`` through tools/offline.sh in a namespace of its own (not the session's)."""
    environ = dict(os.environ, LESSON_IN_SANDBOX="", PYTHONPATH=str(SANDBOX), **env)
    return subprocess.run([str(OFFLINE), sys.executable, "-c", code], capture_output=True, text=True, env=environ,
                          timeout=120)


@pytest.mark.skipif(not namespace_available(), reason="no network namespace can be made on this machine")
def test_the_namespace_has_only_loopback_and_loopback_works():
    code = ("import socket, pathlib\n"
            "names = [l.split(':')[0].strip() for l in pathlib.Path('/proc/net/dev').read_text().splitlines()[2:]]\n"
            "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
            "socket.create_connection(server.getsockname(), timeout=5).close()\n"
            "print(names)")
    done = in_a_fresh_namespace(code, LESSON_NETWORK_GUARD="0")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['lo']"


@pytest.mark.skipif(not namespace_available(), reason="no network namespace can be made on this machine")
def test_the_guard_blocks_and_logs_python_connections(tmp_path):
    log = tmp_path / "network.log"
    code = ("import socket, netguard\n"
            "for target in [('203.0.113.7', 80), ('example.com', 443)]:\n"
            "    try:\n"
            "        socket.create_connection(target, timeout=5)\n"
            "    except netguard.NetworkBlockedError:\n"
            "        print('blocked', target[0])\n")
    done = in_a_fresh_namespace(code, LESSON_NETWORK_GUARD="1", LESSON_NETWORK_LOG=str(log))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["blocked 203.0.113.7", "blocked example.com"]
    assert "203.0.113.7" in log.read_text() and "example.com" in log.read_text()


def test_an_unknown_guard_value_is_an_error_not_a_silent_no_guard():
    done = subprocess.run([sys.executable, "-c", "print('ran')"], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(SANDBOX), LESSON_NETWORK_GUARD="maybe"))
    assert done.returncode != 0 and "LESSON_NETWORK_GUARD='maybe' is not understood" in done.stderr
    done = subprocess.run([sys.executable, "-c", "import socket; print(getattr(socket.socket.connect, "
                           "'_lesson_guard', False))"], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(SANDBOX), LESSON_NETWORK_GUARD="true"))
    assert done.stdout.strip() == "True"


def test_this_session_runs_guarded():
    if os.environ.get(netguard.GUARD_ENV) != "1":
        pytest.skip("the test command runs with LESSON_NETWORK_GUARD=1")
    import socket

    assert getattr(socket.socket.connect, "_lesson_guard", False)


@pytest.mark.parametrize("host, local", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                         ("10.0.0.1", False), ("8.8.8.8", False), ("tfhub.dev", False)])
def test_is_loopback(host, local):
    assert netguard.is_loopback(host) is local
