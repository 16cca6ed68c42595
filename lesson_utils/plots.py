"""Plots shared by the notebooks; figures can be saved into ``images/``.

``save_figure`` writes only when ``$LESSON_IMAGES_DIR`` is set: the notebook
runner (``make run``) sets it to the repository's ``images/`` folder, so the
figures there always come from a default-profile run, never from a quick test.
"""
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

IMAGES_ENV = "LESSON_IMAGES_DIR"


def save_figure(fig, name):
    """Save ``fig`` as ``<images>/<name>.png`` when the runner asks for figures."""
    folder = os.environ.get(IMAGES_ENV)
    if not folder:
        return None
    path = Path(folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.png")
    fig.savefig(tmp, dpi=100, bbox_inches="tight")
    os.replace(tmp, path)
    return path


def plot_history(histories, metrics=("loss", "accuracy"), title=None):
    """Training curves (train and test) from Keras ``History`` objects.

    ``histories`` is one ``History`` or a dict ``{label: History}`` to compare
    runs (e.g. the frozen and the fine-tuning phase). Returns the figure.
    """
    if not isinstance(histories, dict):
        histories = {"": histories}
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5))
    axes = np.atleast_1d(axes)
    for ax, metric in zip(axes, metrics):
        for label, history in histories.items():
            h = history.history if hasattr(history, "history") else history
            epochs = np.arange(1, len(h[metric]) + 1)
            prefix = f"{label} " if label else ""
            ax.plot(epochs, h[metric], "o-", label=f"{prefix}train")
            if f"val_{metric}" in h:
                ax.plot(epochs, h[f"val_{metric}"], "s--", label=f"{prefix}test")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, n_classes):
    """Counts ``m[i, j]`` of examples of true class ``i`` predicted as ``j``."""
    m = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(m, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return m


def plot_confusion_matrix(y_true, y_pred, class_names, title=None):
    """Confusion matrix with class names and counts in each cell. Returns the figure."""
    m = confusion_matrix(y_true, y_pred, len(class_names))
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(class_names)), class_names, rotation=30, ha="right")
    ax.set_yticks(range(len(class_names)), class_names)
    ax.set_xlabel("prediksi")
    ax.set_ylabel("label benar")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, m[i, j], ha="center", va="center", color="white" if m[i, j] > m.max() / 2 else "black")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_attention(weights, x_tokens, y_tokens, ax=None, title=None):
    """Heatmap of an attention matrix: rows are output tokens, columns input tokens."""
    weights = np.asarray(weights)[: len(y_tokens), : len(x_tokens)]
    if ax is None:
        _, ax = plt.subplots(figsize=(0.35 * len(x_tokens) + 2, 0.35 * len(y_tokens) + 1.5))
    ax.imshow(weights, cmap="viridis", vmin=0.0, aspect="auto")
    ax.set_xticks(range(len(x_tokens)), x_tokens, rotation=90)
    ax.set_yticks(range(len(y_tokens)), y_tokens)
    if title:
        ax.set_title(title)
    return ax
