"""Test-session set-up shared by the unit tests (tests/) and nbval (notebooks/).

Defaults, unless the environment already sets them (the Makefile does):
the quick profile, offline assets, the AG News sample beside the repository,
and the network guard. Notebook kernels inherit this environment.
"""
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SHARED_AG_NEWS = ROOT.parent / "shared" / "data" / "ag_news"

os.environ.setdefault("LESSON_PROFILE", "quick")
os.environ.setdefault("LESSON_ASSETS", "offline")
os.environ.setdefault("LESSON_NETWORK_GUARD", "1")
if "AG_NEWS_DIR" not in os.environ and (SHARED_AG_NEWS / "train.csv").is_file():
    os.environ["AG_NEWS_DIR"] = str(SHARED_AG_NEWS)
# Every process of the session (kernels too) appends blocked connections here.
_fd, _NETWORK_LOG = tempfile.mkstemp(prefix="lesson-network-", suffix=".log")
os.close(_fd)
os.environ["LESSON_NETWORK_LOG"] = _NETWORK_LOG

import lesson_utils  # noqa: E402,F401  (first, before any test module imports TensorFlow)


def pytest_sessionfinish(session, exitstatus):
    """Fail the session if any process tried to reach the network."""
    log = Path(_NETWORK_LOG)
    attempts = log.read_text(encoding="utf-8").strip() if log.exists() else ""
    log.unlink(missing_ok=True)
    if attempts and os.environ.get("LESSON_NETWORK_GUARD") == "1":
        print(f"\nNetwork access in offline mode (blocked by lesson_utils.netguard):\n{attempts}")
        session.exitstatus = 1
