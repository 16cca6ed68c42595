"""A Colab-like check that runs here (``make test-colab``): Colab's stack, each notebook's set-up cell, then every notebook.

    make test-colab        # or .venv/bin/python tools/colab_check.py (it reads the notebooks with nbformat)

1. Builds ``.venv-colab`` with Python 3.13 from the package registry: the versions of tools/colab_stack.txt
   (TensorFlow 2.20, Keras 3 by default, transformers 5 and huggingface_hub 1, as on Colab). A later check
   first undoes what the previous one's set-up cells installed (``pip freeze`` of the new environment).
2. Runs every notebook's first cell in a fresh kernel of that environment, as a student on Colab would
   (``COLAB_RELEASE_TAG`` set), with the repository URL replaced by this checkout: the first one installs
   lesson_utils and what Colab lacks; the others find everything in place.
3. Executes every notebook in the quick profile, offline (tools/offline.sh), with a fresh model cache.
Prints what each step printed and how long it took; exits 1 if anything failed.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-colab"
STACK = ROOT / "tools" / "colab_stack.txt"
COLAB_ENV = {"COLAB_RELEASE_TAG": "colab-check"}  # what the set-up cell looks for


def python313():
    candidates = [os.environ.get("COLAB_PYTHON"), shutil.which("python3.13"),
                  *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))]
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", "import sys; sys.exit(sys.version_info[:2] != (3, 13))"],
                          stderr=subprocess.DEVNULL).returncode == 0:  # a pyenv shim may exist and fail
            return candidate
    raise SystemExit("colab_check: Python 3.13 (Colab's version) was not found; set COLAB_PYTHON=/path/to/python3.13.")


def build_environment():
    """``.venv-colab`` with Colab's stack; after an earlier check, put back what its set-up cells changed."""
    stamp, frozen = VENV / ".stack", VENV / ".stack-freeze"
    python = str(VENV / "bin" / "python")
    freeze = lambda: subprocess.run([python, "-m", "pip", "freeze", "--all"], capture_output=True, text=True,
                                    check=True).stdout
    if stamp.is_file() and stamp.read_text() == STACK.read_text() and frozen.is_file():
        name = lambda line: line.split("==")[0].split(" @ ")[0].lower()
        wanted = {name(line) for line in frozen.read_text().splitlines()}
        now = freeze()
        extra = sorted({name(line) for line in now.splitlines()} - wanted)
        if extra:  # lesson_utils and what the set-up cell added
            subprocess.run([python, "-m", "pip", "uninstall", "-q", "-y", *extra], check=True)
        if now != frozen.read_text():  # e.g. transformers 4 in place of Colab's 5
            subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "-r", str(frozen)], check=True)
        return
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([python313(), "-m", "venv", str(VENV)], check=True)
    pip = [python, "-m", "pip", "install", "-q"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + ["-r", str(STACK)], check=True)
    frozen.write_text(freeze())
    stamp.write_text(STACK.read_text())


def run_setup_cells():
    """Each notebook's set-up cell, in a fresh kernel, with the repository URL pointing at this checkout."""
    sys.path.insert(0, str(ROOT))
    from tools.sync_notebooks import BRANCH, repository_url

    url = f"git+{repository_url()}@{BRANCH}"
    code = r'''
import json, sys, nbformat
from nbclient import NotebookClient
path, url, root = sys.argv[1:4]
nb = nbformat.read(path, as_version=4)
cell = next(c for c in nb.cells if c.cell_type == "code")
assert url in cell.source, "the set-up cell does not name the configured repository"
cell.source = cell.source.replace(url, root)
nb.cells = [cell]
NotebookClient(nb, timeout=1200, kernel_name="python3").execute()
print("".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream"))
'''
    # Kernels start in an empty folder, as in Colab's /content: from the checkout, Python would import
    # lesson_setup.py and lesson_utils/ without installing them.
    with tempfile.TemporaryDirectory(prefix="colab-content-") as content:
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            start = time.perf_counter()
            done = subprocess.run([str(VENV / "bin" / "python"), "-c", code, str(path), url, str(ROOT)], cwd=content,
                                  capture_output=True, text=True, env=dict(os.environ, **COLAB_ENV))
            print(f"--- set-up cell of {path.name} ({time.perf_counter() - start:.0f} s)\n{done.stdout.strip()}", flush=True)
            if done.returncode:
                raise SystemExit(f"The set-up cell of {path.name} failed:\n{done.stderr[-4000:]}")


def run_notebooks():
    with tempfile.TemporaryDirectory(prefix="colab-cache-") as cache:
        env = dict(os.environ, **COLAB_ENV, LESSON_CACHE_DIR=cache, LESSON_ASSETS="offline", LESSON_PROFILE="quick",
                   PYTHONPATH=str(ROOT / "tests" / "sandbox"), LESSON_NETWORK_GUARD="1")
        shared = ROOT.parent / "shared" / "data" / "ag_news"
        if "AG_NEWS_DIR" not in env and (shared / "train.csv").is_file():
            env["AG_NEWS_DIR"] = str(shared)
        start = time.perf_counter()
        done = subprocess.run([str(ROOT / "tools" / "offline.sh"), str(VENV / "bin" / "python"), "-m",
                               "tools.run_notebooks", "--profile", "quick", "--no-write"], cwd=ROOT, env=env)
        print(f"--- all notebooks, quick profile, offline: {time.perf_counter() - start:.0f} s", flush=True)
        return done.returncode


def main():
    timings = {}
    for name, step in (("environment", build_environment), ("set-up cells", run_setup_cells)):
        start = time.perf_counter()
        step()
        timings[name] = round(time.perf_counter() - start)
    start = time.perf_counter()
    code = run_notebooks()
    timings["notebooks"] = round(time.perf_counter() - start)
    versions = subprocess.run([str(VENV / "bin" / "python"), "-c", "import importlib.metadata as m; print({n: m.version(n) "
                               "for n in ('tensorflow', 'keras', 'tf-keras', 'transformers', 'huggingface-hub', "
                               "'keras-hub', 'setuptools', 'lesson-utils')})"], capture_output=True, text=True).stdout
    print(f"colab_check: seconds {json.dumps(timings)}; after the set-up cells: {versions.strip()}")
    return code


if __name__ == "__main__":
    sys.exit(main())
