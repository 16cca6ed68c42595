"""Test-session set-up shared by the unit tests (tests/) and nbval (notebooks/).

Defaults, unless the environment already sets them (the Makefile does): the quick
profile, offline assets, the AG News sample beside the repository, the network guard
(tests/sandbox, loaded by every Python process through PYTHONPATH) and strict claims.
Notebook kernels inherit this environment. Before any test, the offline BERT models
are prepared once, in a separate process whose output is kept: a test checks that a
preparation from an empty cache prints nothing a notebook should not store. At the
end the session fails if any process tried to reach the network, or if a notebook
that ran recorded metrics that contradict its claims.
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SANDBOX = ROOT / "tests" / "sandbox"
SHARED_AG_NEWS = ROOT.parent / "shared" / "data" / "ag_news"

os.environ.setdefault("LESSON_PROFILE", "quick")
os.environ.setdefault("LESSON_ASSETS", "offline")
os.environ.setdefault("LESSON_NETWORK_GUARD", "1")
os.environ.setdefault("LESSON_STRICT_CLAIMS", "1")
if "AG_NEWS_DIR" not in os.environ and (SHARED_AG_NEWS / "train.csv").is_file():
    os.environ["AG_NEWS_DIR"] = str(SHARED_AG_NEWS)
for _name in ("AG_NEWS_DIR", "LESSON_BERT_DIR", "LESSON_CACHE_DIR"):  # kernels start in notebooks/
    if os.environ.get(_name):
        os.environ[_name] = str(Path(os.environ[_name]).expanduser().absolute())
if str(SANDBOX) not in os.environ.get("PYTHONPATH", "").split(os.pathsep):  # started without the Makefile
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SANDBOX), os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, str(SANDBOX))
    import netguard

    netguard.install_if_requested()
_TMP = Path(tempfile.mkdtemp(prefix="lesson-tests-"))
os.environ["LESSON_NETWORK_LOG"] = str(_TMP / "network.log")  # every process appends blocked attempts here
os.environ["LESSON_METRICS_FILE"] = str(_TMP / "metrics.json")  # what the notebooks record in this session
os.environ["LESSON_PREPARE_RECORD"] = str(_TMP / "prepare.json")

import lesson_utils  # noqa: E402,F401  (first, before any test module imports TensorFlow)
from lesson_utils import claims, pretrained  # noqa: E402
from lesson_utils._offline import prepare  # noqa: E402


def _prepare_offline_models():
    """Prepare the offline models in a fresh process, keeping what it printed (for test_pretrained)."""
    if pretrained.assets_mode() != "offline":
        return
    fresh = prepare.check_prepared(prepare.cache_root() / prepare.CACHE_NAME, prepare.source_dir()) is not None
    done = subprocess.run([sys.executable, "-c", "import lesson_utils.pretrained as p; p.handles()"],
                          capture_output=True, text=True)
    record = {"fresh": fresh, "returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    Path(os.environ["LESSON_PREPARE_RECORD"]).write_text(json.dumps(record), encoding="utf-8")
    if done.returncode:
        raise SystemExit(f"Preparing the offline BERT models failed:\n{done.stderr[-3000:]}")


def pytest_sessionstart(session):
    _prepare_offline_models()


def pytest_sessionfinish(session, exitstatus):
    """Fail the session on network attempts, and on claims that the notebooks' own numbers contradict."""
    problems = []
    log = Path(os.environ["LESSON_NETWORK_LOG"])
    if log.exists() and log.read_text(encoding="utf-8").strip():
        problems.append(f"Network access in offline mode (blocked by tests/sandbox/netguard.py):\n{log.read_text()}")
    recorded = json.loads(Path(os.environ["LESSON_METRICS_FILE"]).read_text()) \
        if Path(os.environ["LESSON_METRICS_FILE"]).is_file() else {}
    ran = {Path(str(item.fspath)).stem for item in getattr(session, "items", []) if str(item.fspath).endswith(".ipynb")}
    for notebook in sorted(ran):
        if not claims.claims_for(notebook):
            continue
        if notebook not in recorded:
            problems.append(f"{notebook} ran but recorded no metrics: its claims were not checked.")
            continue
        false = [f"{c.text} ({numbers})" for c, ok, numbers in claims.evaluate(notebook, recorded[notebook]) if not ok]
        if false:
            problems.append(f"{notebook}: claims contradicted by its own numbers: {false}")
    if problems and session.exitstatus == 0:
        print("\n" + "\n".join(problems))
        session.exitstatus = 1
