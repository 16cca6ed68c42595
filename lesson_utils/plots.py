"""Figures that several notebooks draw; ``save_figure`` writes them into ``images/``.

``save_figure`` writes only when ``$LESSON_IMAGES_DIR`` is set: the notebook
runner (``make run``) sets it to the repository's ``images/`` folder, so the
figures there always come from a default-profile run, never from a quick test.
Labels are in Indonesian, like the notebooks.
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
    fig.savefig(tmp, dpi=100, bbox_inches="tight", metadata={"Software": None})
    os.replace(tmp, path)
    return path


def plot_history(histories, metrics=("loss", "accuracy"), title=None):
    """Training curves per epoch (training and validation) from Keras ``History`` objects.

    ``histories`` is one ``History`` or a dict ``{label: History}`` to compare runs.
    Returns the figure.
    """
    if not isinstance(histories, dict):
        histories = {"": histories}
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5))
    axes = np.atleast_1d(axes)
    for ax, metric in zip(axes, metrics):
        for label, history in histories.items():
            h = history.history if hasattr(history, "history") else history
            epochs = np.arange(1, len(h[metric]) + 1)
            prefix = f"{label}: " if label else ""
            (line,) = ax.plot(epochs, h[metric], "o-", label=f"{prefix}latih")
            if f"val_{metric}" in h:
                ax.plot(epochs, h[f"val_{metric}"], "s--", color=line.get_color(), label=f"{prefix}validasi")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_lengths(lengths, marks=None, unit="token", title=None):
    """Histogram of text lengths with vertical lines at ``marks`` (``{label: x}``). Returns the figure."""
    lengths = np.asarray(lengths)
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    ax.hist(lengths, bins=np.arange(0, lengths.max() + 3, 2), color="tab:blue", alpha=0.8)
    for (label, x), style in zip((marks or {}).items(), ("--", ":", "-.", "-")):
        ax.axvline(x, color="black", ls=style, lw=1.5, label=label)
    ax.set_xlabel(f"panjang teks ({unit})")
    ax.set_ylabel("jumlah teks")
    if marks:
        ax.legend()
    if title:
        ax.set_title(title)
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


def off_diagonal(y_true, y_pred, class_names, top=2):
    """The ``top`` most frequent confusions as ``[(count, true name, predicted name), ...]``.

    A pair of classes counts both ways (World taken for Business and Business for World).
    """
    m = confusion_matrix(y_true, y_pred, len(class_names))
    pairs = [(int(m[i, j] + m[j, i]), class_names[i], class_names[j])
             for i in range(len(class_names)) for j in range(i + 1, len(class_names))]
    return sorted(pairs, key=lambda p: -p[0])[:top]


def plot_attention(weights, x_tokens, y_tokens, ax=None, title=None, vmax=None):
    """Heatmap of an attention matrix: rows are queries (output tokens), columns keys (input tokens).

    The colour scale starts at 0 and ends at ``vmax`` (default: the largest weight shown).
    """
    weights = np.asarray(weights)[: len(y_tokens), : len(x_tokens)]
    if ax is None:
        _, ax = plt.subplots(figsize=(0.35 * len(x_tokens) + 2, 0.35 * len(y_tokens) + 1.5))
    image = ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=vmax, aspect="auto")
    ax.set_xticks(range(len(x_tokens)), x_tokens, rotation=90)
    ax.set_yticks(range(len(y_tokens)), y_tokens)
    if title:
        ax.set_title(title)
    return image


def draw_encoder_decoder(ax, attention, source="5 mar 2021", target="2021-03-05", focus=3):
    """Sketch of an encoder-decoder on ``ax`` (notebook 01): one state ``c`` in between, or attention lines.

    With ``attention=True`` the lines from every encoder state ``h_i`` to the
    decoder state of output ``focus`` are drawn, darker where the (made-up,
    illustrative) weight ``alpha`` is larger: the year digits for a year digit.
    """
    import matplotlib.patches as patches

    n, m = len(source), len(target)
    dx = 0.9
    enc_x = np.arange(n) * dx
    dec_x = np.arange(m) * dx + enc_x[-1] + 2.2
    enc_y, dec_y = 0.0, 2.6
    box = dict(boxstyle="round,pad=0.25", fc="#dbe9f6", ec="#4a7fb5")
    dbox = dict(boxstyle="round,pad=0.25", fc="#fde3c8", ec="#d2803a")
    for i, (x, ch) in enumerate(zip(enc_x, source)):
        ax.text(x, enc_y, f"$h_{{{i + 1}}}$", ha="center", va="center", fontsize=8, bbox=box)
        ax.text(x, enc_y - 0.8, repr(ch)[1:-1] if ch != " " else "␣", ha="center", fontsize=10, family="monospace")
        if i:
            ax.annotate("", (x - 0.3, enc_y), (x - dx + 0.3, enc_y), arrowprops=dict(arrowstyle="->", lw=0.8))
    for t, (x, ch) in enumerate(zip(dec_x, target)):
        ax.text(x, dec_y, f"$s_{{{t + 1}}}$", ha="center", va="center", fontsize=8, bbox=dbox)
        ax.text(x, dec_y + 0.8, ch, ha="center", fontsize=10, family="monospace")
        if t:
            ax.annotate("", (x - 0.3, dec_y), (x - dx + 0.3, dec_y), arrowprops=dict(arrowstyle="->", lw=0.8))
    if attention:
        year_start = source.index(target[:4])
        alpha = np.full(n, 0.02)
        alpha[year_start + focus] = 0.7
        alpha[year_start:year_start + 4] += 0.06
        alpha /= alpha.sum()
        for x, a in zip(enc_x, alpha):
            ax.plot([x, dec_x[focus]], [enc_y + 0.3, dec_y - 0.3], color="#c0392b", alpha=min(1.0, 0.15 + a),
                    lw=0.5 + 5 * a)
        ax.text(dec_x[focus] + 0.3, (enc_y + dec_y) / 2, r"$c_t=\sum_i \alpha_{t,i} h_i$", fontsize=10,
                color="#c0392b")
        ax.set_title("dengan perhatian: setiap $s_t$ melihat semua $h_i$", fontsize=10)
    else:
        cx, cy = (enc_x[-1] + dec_x[0]) / 2, (enc_y + dec_y) / 2
        ax.add_patch(patches.FancyBboxPatch((cx - 0.35, cy - 0.3), 0.7, 0.6, boxstyle="round,pad=0.05",
                                            fc="#e8e8e8", ec="black"))
        ax.text(cx, cy, "$c$", ha="center", va="center", fontsize=12)
        ax.annotate("", (cx - 0.4, cy - 0.1), (enc_x[-1] + 0.3, enc_y + 0.2), arrowprops=dict(arrowstyle="->"))
        ax.annotate("", (dec_x[0] - 0.3, dec_y - 0.2), (cx + 0.4, cy + 0.1), arrowprops=dict(arrowstyle="->"))
        ax.set_title("tanpa perhatian: seluruh masukan lewat satu vektor $c$", fontsize=10)
    ax.set_xlim(-0.8, dec_x[-1] + 0.8)
    ax.set_ylim(-1.3, dec_y + 1.4)
    ax.axis("off")
    return ax
