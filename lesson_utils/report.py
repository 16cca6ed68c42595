"""Headline metrics of a notebook run, and small tables.

A notebook calls ``record_metrics('02_transformer_dari_nol', test_accuracy=acc)``.
The metrics are merged into one JSON file per profile: ``$LESSON_METRICS_FILE``
when the notebook runner (``make run``) or the tests set it, otherwise
``metrics-<profile>.json`` in the model cache folder (``~/.cache/lesson_utils``).
The runner's summary, the benchmark report, the claim checks and notebook 05's
comparison read the very numbers that the notebooks showed.
"""
import json
import os
from pathlib import Path

import numpy as np

METRICS_ENV = "LESSON_METRICS_FILE"


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def metrics_file(profile=None):
    """Where this run's metrics go: ``$LESSON_METRICS_FILE``, else a file per profile in the cache folder."""
    if os.environ.get(METRICS_ENV):
        return Path(os.environ[METRICS_ENV])
    from ._offline.prepare import cache_root
    from .profiles import profile_name

    return cache_root() / f"metrics-{profile_name(profile)}.json"


def read_metrics(path=None):
    """``{notebook: {name: value}}`` recorded so far (``{}`` if nothing was)."""
    path = Path(path) if path else metrics_file()
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except ValueError:
        return {}


def record_metrics(notebook, **metrics):
    """Record a notebook's headline metrics (numbers) for this run; returns them as floats."""
    metrics = {key: float(value) for key, value in metrics.items()}
    target = metrics_file()
    everything = read_metrics(target)
    everything.setdefault(notebook, {}).update(metrics)
    atomic_write_text(target, json.dumps(everything, indent=2, sort_keys=True) + "\n")
    return metrics


def format_table(rows, headers):
    """A Markdown table (also readable as plain text) from rows of values; floats get 3 decimals."""
    def cell(value):
        return f"{value:.3f}" if isinstance(value, (float, np.floating)) else str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def show_predictions(texts, predict_proba, class_names):
    """Classify new texts, print a table (text, predicted class, probability); return the probabilities.

    ``predict_proba`` maps a list of strings to class probabilities of shape
    ``(len(texts), len(class_names))``.
    """
    texts = [texts] if isinstance(texts, str) else list(texts)
    if not texts:
        raise ValueError("No texts to classify: pass a list with at least one headline, "
                         "e.g. ['Oil prices rise as demand grows'].")
    bad = [t for t in texts if not isinstance(t, str) or not t.strip()]
    if bad:
        raise ValueError(f"Texts to classify must be non-empty strings; got {bad[:3]!r}.")
    probabilities = np.asarray(predict_proba(texts))
    if probabilities.shape != (len(texts), len(class_names)):
        raise ValueError(f"predict_proba returned shape {probabilities.shape}, expected "
                         f"{(len(texts), len(class_names))} (one probability per text and class).")
    rows = [(text if len(text) <= 70 else text[:67] + "...", class_names[int(p.argmax())], float(p.max()))
            for text, p in zip(texts, probabilities)]
    print(format_table(rows, ("judul", "prediksi", "probabilitas")))
    return probabilities
