"""Execute the course notebooks headless and store their outputs (``make run``).

    python -m tools.run_notebooks                 # every notebook, default profile
    python -m tools.run_notebooks --profile quick notebooks/02_*.ipynb --no-write

Before the first notebook the offline BERT models are prepared (quietly, once),
so that no notebook's stored output depends on whether the cache was empty.
Each notebook then runs top to bottom in a fresh kernel started in ``notebooks/``
with ``LESSON_PROFILE`` set and the claims checked strictly. Outputs are written
back into the notebook (how instructors regenerate them), figures go to
``images/``, and the headline metrics that the notebooks record
(``lesson_utils.report.record_metrics``) are collected with the runtimes into
``bench/notebooks_<profile>.json`` and a table.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PATH_VARIABLES = ("AG_NEWS_DIR", "LESSON_BERT_DIR", "LESSON_CACHE_DIR")


def coalesce_streams(nb):
    """Merge each cell's consecutive outputs to the same stream into one output.

    How the kernel splits printed text into messages depends on timing, so the
    same ``print`` calls are stored as a different list of outputs on every
    run; merged, they store the same text every time.
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        merged = []
        for output in cell.outputs:
            previous = merged[-1] if merged else None
            if (output.output_type == "stream" and previous is not None
                    and previous.output_type == "stream" and previous.name == output.name):
                previous.text += output.text
            else:
                merged.append(output)
        cell.outputs = merged
    return nb


def absolute_path_variables(environ=os.environ):
    """Make relative ``AG_NEWS_DIR``, ``LESSON_BERT_DIR``, ``LESSON_CACHE_DIR`` absolute.

    Kernels start in ``notebooks/``; a relative path means what it meant where the
    command was typed.
    """
    for name in PATH_VARIABLES:
        if environ.get(name):
            environ[name] = str(Path(environ[name]).expanduser().absolute())


def prepare_assets():
    """Prepare the offline BERT models before any notebook runs (nothing to do online or when prepared)."""
    from lesson_utils import pretrained

    if pretrained.assets_mode() == "offline":
        pretrained.handles()


def execute(path, timeout=1800):
    """Run one notebook in a fresh kernel; return ``(notebook, seconds)``."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}, record_timing=False)
    start = time.perf_counter()
    client.execute()
    return coalesce_streams(nb), time.perf_counter() - start


def run(paths, profile, write=True, save_images=True, timeout=1800, earlier_metrics=None):
    """Execute ``paths`` under ``profile``; return ``{stem: {"seconds": s, "metrics": {...}}}``.

    ``earlier_metrics`` (``{stem: metrics}``) are what notebooks that are not run now recorded in the
    run that stored them: a notebook that compares itself with an earlier one reads them.
    """
    from lesson_utils.plots import IMAGES_ENV
    from lesson_utils.profiles import PROFILE_ENV
    from lesson_utils.claims import STRICT_ENV
    from lesson_utils.report import METRICS_ENV, atomic_write_text, read_metrics

    paths = [Path(p).absolute() for p in paths]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"No such notebook: {', '.join(missing)}. Give paths of .ipynb files "
                         f"(e.g. notebooks/01_perhatian.ipynb), or none for every notebook.")
    absolute_path_variables()
    os.environ[PROFILE_ENV] = profile
    os.environ[STRICT_ENV] = "1"
    if save_images:
        os.environ[IMAGES_ENV] = str(ROOT / "images")
    else:
        os.environ.pop(IMAGES_ENV, None)
    prepare_assets()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        metrics_file = Path(tmp) / "metrics.json"  # one file: later notebooks may read earlier ones' results
        stems = {path.stem for path in paths}
        earlier = {stem: m for stem, m in (earlier_metrics or {}).items() if stem not in stems}
        atomic_write_text(metrics_file, json.dumps(earlier, indent=2, sort_keys=True) + "\n")
        os.environ[METRICS_ENV] = str(metrics_file)
        for path in paths:
            print(f"[{profile}] {path.name} ...", flush=True)
            try:
                nb, seconds = execute(path, timeout=timeout)
            except CellExecutionError as error:
                raise SystemExit(f"{path.name} failed in profile {profile!r}:\n{error}") from None
            if write:
                atomic_write_text(path, nbformat.writes(nb) + "\n")
            metrics = read_metrics(metrics_file).get(path.stem, {})
            results[path.stem] = {"seconds": round(seconds, 1), "metrics": metrics}
            print(f"[{profile}] {path.name}: {seconds:.0f} s {metrics}", flush=True)
    os.environ.pop(METRICS_ENV, None)
    return results


def summary_table(results):
    from lesson_utils.report import format_table

    rows = []
    for stem, result in results.items():
        metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(result["metrics"].items())) or "-"
        rows.append((stem, f"{result['seconds']:.0f}", metrics))
    return format_table(rows, ("notebook", "runtime (s)", "headline metrics"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: notebooks/*.ipynb)")
    parser.add_argument("--profile", default=None, help="quick | default | full (default: $LESSON_PROFILE or default)")
    parser.add_argument("--no-write", action="store_true", help="do not write outputs, figures or the summary file")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    import lesson_utils  # noqa: F401  (first: Keras 2, quiet TensorFlow)
    from lesson_utils.profiles import profile_name
    from lesson_utils.report import atomic_write_text

    profile = profile_name(args.profile)
    paths = [Path(p) for p in args.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    record = ROOT / "bench" / f"notebooks_{profile}.json"
    kept = json.loads(record.read_text())["notebooks"] if args.notebooks and record.is_file() else {}
    results = run(paths, profile, write=not args.no_write, save_images=not args.no_write, timeout=args.timeout,
                  earlier_metrics={stem: entry["metrics"] for stem, entry in kept.items()})
    if not args.no_write:  # notebooks named on the command line replace their own entries only
        summary = {"profile": profile, "notebooks": dict(sorted({**kept, **results}.items()))}
        atomic_write_text(record, json.dumps(summary, indent=2) + "\n")
    print()
    print(f"Profile {profile!r}, total {sum(r['seconds'] for r in results.values()):.0f} s")
    print(summary_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
