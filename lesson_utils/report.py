"""Headline metrics of a notebook run, and small tables.

A notebook calls ``record_metrics('02_transformer_dari_nol', test_accuracy=acc)``.
When the notebook runner (``python -m lesson_utils.run_notebooks``) executes
it, ``$LESSON_METRICS_FILE`` names a JSON file and the metrics are merged into
it, so the runner's summary table (and the benchmark report) show the very
numbers that the notebook showed. Outside the runner nothing is written.
"""
import json
import os
from pathlib import Path

METRICS_ENV = "LESSON_METRICS_FILE"


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_metrics(path):
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def record_metrics(notebook, **metrics):
    """Record a notebook's headline metrics (floats) for the runner; returns them."""
    metrics = {key: float(value) for key, value in metrics.items()}
    target = os.environ.get(METRICS_ENV)
    if target:
        everything = read_metrics(target)
        everything.setdefault(notebook, {}).update(metrics)
        atomic_write_text(target, json.dumps(everything, indent=2, sort_keys=True) + "\n")
    return metrics


def format_table(rows, headers):
    """A Markdown table (also readable as plain text) from rows of values."""
    def cell(value):
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
