"""AG News: loading (local CSV or the TFDS download) and deterministic subsets.

The elements are exactly those of ``tfds.load('ag_news_subset')``: a dict with
``title`` and ``description`` (``tf.string``) and ``label`` (``tf.int64``,
0-3). The CSV files of the data set number the classes 1-4; the TFDS builder
and this loader subtract one and change nothing else in the text.
"""
import csv
import os
from pathlib import Path

import numpy as np
import tensorflow as tf

DATA_DIR_ENV = "AG_NEWS_DIR"
CLASS_NAMES = ("World", "Sports", "Business", "Sci/Tech")
SPLITS = ("train", "test")

_FIXES = (
    f"Either set {DATA_DIR_ENV} to a folder holding the AG News CSV files "
    "(train.csv, test.csv, optional classes.txt; e.g. "
    f"`export {DATA_DIR_ENV}=../shared/data/ag_news`), "
    "or unset it on a machine with internet access so that tfds.load('ag_news_subset') "
    "can download the data set."
)


class DataError(RuntimeError):
    """The AG News data could not be found or read."""


def read_ag_news_csv(path):
    """Read one AG News CSV file: returns ``(titles, descriptions, labels)``.

    Labels are converted from the file's 1-4 to 0-3. A malformed row raises a
    ``DataError`` that names the file and the line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"AG News file not found: {path}. {_FIXES}")
    titles, descriptions, labels = [], [], []
    with path.open(newline="", encoding="utf-8") as f:
        for line_number, row in enumerate(csv.reader(f), start=1):
            if len(row) != 3:
                raise DataError(
                    f"{path}, line {line_number}: expected 3 fields "
                    f'("class index","title","description"), found {len(row)}. '
                    f"The file is not in the AG News CSV layout; {_FIXES}"
                )
            label, title, description = row
            if label.strip() not in ("1", "2", "3", "4"):
                raise DataError(
                    f"{path}, line {line_number}: class index {label!r} is not 1-4. "
                    f"The file is not in the AG News CSV layout; {_FIXES}"
                )
            labels.append(int(label) - 1)
            titles.append(title)
            descriptions.append(description)
    if not labels:
        raise DataError(f"{path} holds no rows. {_FIXES}")
    return titles, descriptions, np.asarray(labels, dtype=np.int64)


def _check_classes_file(data_dir):
    path = data_dir / "classes.txt"
    if path.is_file():
        names = tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        if names != CLASS_NAMES:
            raise DataError(
                f"{path} names the classes {names}, expected {CLASS_NAMES}: "
                f"this is not AG News. {_FIXES}"
            )


def _dataset(titles, descriptions, labels):
    return tf.data.Dataset.from_tensor_slices(
        {
            "description": tf.constant(descriptions, tf.string),
            "label": tf.constant(labels, tf.int64),
            "title": tf.constant(titles, tf.string),
        }
    )


def resolve_data_dir(data_dir=None):
    """The local AG News folder to use, or ``None`` for the TFDS download."""
    data_dir = data_dir or os.environ.get(DATA_DIR_ENV) or None
    if data_dir is None:
        return None
    data_dir = Path(data_dir).expanduser()
    if not data_dir.is_dir():
        raise DataError(f"AG News folder not found: {data_dir}. {_FIXES}")
    missing = [f"{split}.csv" for split in SPLITS if not (data_dir / f"{split}.csv").is_file()]
    if missing:
        raise DataError(f"AG News folder {data_dir} lacks {', '.join(missing)}. {_FIXES}")
    return data_dir


def load_ag_news(data_dir=None, split=None):
    """Return ``(train_ds, test_ds)``, AG News as two ``tf.data.Dataset``.

    Sources, in order: ``data_dir``, else ``$AG_NEWS_DIR`` (the data set's own CSV
    layout), else ``tfds.load('ag_news_subset')`` (downloads the full data set).
    ``split='train'`` or ``'test'`` returns that one dataset only.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: AG News has the splits 'train' and 'test' (or split=None for both).")
    splits = SPLITS if split is None else (split,)
    local = resolve_data_dir(data_dir)
    if local is not None:
        _check_classes_file(local)
        datasets = [_dataset(*read_ag_news_csv(local / f"{name}.csv")) for name in splits]
    else:
        try:
            import tensorflow_datasets as tfds

            datasets = tfds.load("ag_news_subset", split=list(splits))
        except Exception as error:  # the download fails in many ways offline
            raise DataError(
                f"tfds.load('ag_news_subset') failed ({type(error).__name__}: {error}). {_FIXES}"
            ) from error
    return datasets[0] if split is not None else tuple(datasets)


def describe_source(data_dir=None):
    """One line saying where AG News comes from (for the environment check)."""
    local = resolve_data_dir(data_dir)
    if local is None:
        return "tfds.load('ag_news_subset') (download, cached under ~/tensorflow_datasets)"
    return f"local CSV files in {DATA_DIR_ENV} (folder {local.name}/)"


def to_numpy(ds):
    """``(texts, labels)`` of a dataset: text is ``title + ' ' + description`` as in the seed lesson."""
    texts, labels = [], []
    for batch in ds.batch(4096):
        titles = batch["title"].numpy()
        descriptions = batch["description"].numpy()
        texts.extend(f"{t.decode('utf-8')} {d.decode('utf-8')}" for t, d in zip(titles, descriptions))
        labels.append(batch["label"].numpy())
    return np.asarray(texts, dtype=object), np.concatenate(labels) if labels else np.zeros(0, np.int64)


def stratified_indices(labels, n, seed=0):
    """Indices of ``n`` examples with the classes in the same proportions as ``labels``.

    Deterministic for a seed; ``n=None`` (or ``n >= len(labels)``) keeps every
    index. The result is shuffled so that classes are interleaved.
    """
    labels = np.asarray(labels)
    if n is None or n >= len(labels):
        return np.random.default_rng(seed).permutation(len(labels))
    if n <= 0:
        raise ValueError(f"Cannot take {n} examples: n must be positive (or None for all).")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    quotas = np.floor(counts * n / len(labels)).astype(int)
    # Hand the remaining examples to the classes with the largest fractional parts.
    remainder = n - quotas.sum()
    order = np.argsort(-(counts * n / len(labels) - quotas), kind="stable")
    quotas[order[:remainder]] += 1
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:q] for c, q in zip(classes, quotas)]
    return rng.permutation(np.concatenate(chosen))


def load_ag_news_arrays(n_train=None, n_test=None, data_dir=None, seed=0):
    """AG News as NumPy arrays, stratified to the given sizes.

    Returns ``(train_texts, train_labels), (test_texts, test_labels)``; texts are
    ``title + ' ' + description``. ``None`` keeps a whole split.
    """
    out = []
    for ds, n in zip(load_ag_news(data_dir), (n_train, n_test)):
        texts, labels = to_numpy(ds)
        idx = stratified_indices(labels, n, seed=seed)
        out.append((texts[idx], labels[idx]))
    return tuple(out)
