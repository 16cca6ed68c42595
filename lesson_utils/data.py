"""AG News: the data set, the course sample, and the train/validation/test splits.

``load_ag_news()`` gives the official splits exactly as ``tfds.load('ag_news_subset')``
does (dicts of ``title``, ``description``, ``label`` 0-3), from a folder of the data
set's own CSV files (``AG_NEWS_DIR``) or from the TFDS download.

The lessons train on the **course sample** (profiles ``quick`` and ``default``): 7,000
rows of the official *test* split, the same rows whichever way the data arrives.
Within each class the rows are ranked by ``sha256(title + "\\0" + description)``;
ranks 150-499 form the sample's test rows (350 a class), ranks 500-1899 its training
rows (1,400 a class), and ranks 0-149 are left out. The offline folder beside the
repository holds exactly these rows; online, ``load_splits`` derives them from the
download. ``full`` takes the whole data set (120,000 training rows).

``load_splits()`` then draws, per class and deterministically, the profile's
training and validation rows from the training rows and its test rows from the
test rows.
"""
import csv
import hashlib
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import tensorflow as tf

DATA_DIR_ENV = "AG_NEWS_DIR"
CLASS_NAMES = ("World", "Sports", "Business", "Sci/Tech")
SPLITS = ("train", "test")
OFFICIAL_TEST_ROWS = 7600  # 1,900 a class
SAMPLE_RANKS = {"test": (150, 500), "train": (500, 1900)}  # per class, by sample_key
HEADER = ("class index", "title", "description")
MAX_FIELD = 1 << 20  # bytes; AG News fields are a few hundred

_FIXES = (
    f"Either set {DATA_DIR_ENV} to a folder holding the AG News CSV files "
    "(train.csv, test.csv, optional classes.txt; an absolute path, e.g. "
    f"`export {DATA_DIR_ENV}=$PWD/../shared/data/ag_news` from the repository root), "
    "or unset it on a machine with internet access so that tfds.load('ag_news_subset') "
    "can download the data set."
)


class DataError(RuntimeError):
    """The AG News data could not be found or read."""


# ---------------------------------------------------------------------------
# The official splits
# ---------------------------------------------------------------------------


def _rows(path):
    """``(line_number, row)`` of a CSV file, the line where each record starts.

    A UTF-8 byte order mark, a header row (as in some copies of the data set) and
    blank lines are skipped; bad bytes and oversized fields are errors naming the line.
    """
    csv.field_size_limit(MAX_FIELD)
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        start = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as error:
                raise DataError(
                    f"{path}, near line {start}: the file is not UTF-8 text ({error.reason} at byte "
                    f"{error.start} of a chunk). Save it as UTF-8, or use the data set's own CSV files. {_FIXES}"
                ) from None
            except csv.Error as error:
                raise DataError(
                    f"{path}, line {start}: {error} (limit {MAX_FIELD:,} bytes a field). The file is not "
                    f"in the AG News CSV layout; {_FIXES}"
                ) from None
            line, start = start, reader.line_num + 1
            if not row or not "".join(row).strip():
                continue  # blank line
            if line == 1 and tuple(field.strip().lower() for field in row) == HEADER:
                continue  # header row
            yield line, row


def read_ag_news_csv(path):
    """Read one AG News CSV file: returns ``(titles, descriptions, labels)``.

    Labels are converted from the file's 1-4 to 0-3. A malformed row raises a
    ``DataError`` that names the file and the line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"AG News file not found: {path}. {_FIXES}")
    titles, descriptions, labels = [], [], []
    for line, row in _rows(path):
        if len(row) != 3:
            raise DataError(
                f"{path}, line {line}: expected 3 fields "
                f'("class index","title","description"), found {len(row)}. '
                f"The file is not in the AG News CSV layout; {_FIXES}"
            )
        label, title, description = row
        if label.strip() not in ("1", "2", "3", "4"):
            raise DataError(
                f"{path}, line {line}: class index {label!r} is not 1-4. "
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
        names = tuple(line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip())
        if names != CLASS_NAMES:
            raise DataError(
                f"{path} names the classes {names}, expected {CLASS_NAMES}: "
                f"this is not AG News. {_FIXES}"
            )


def resolve_data_dir(data_dir=None):
    """The local AG News folder to use (an absolute path), or ``None`` for the TFDS download."""
    data_dir = data_dir or os.environ.get(DATA_DIR_ENV) or None
    if data_dir is None:
        return None
    given = str(data_dir)
    data_dir = Path(data_dir).expanduser().absolute()
    relative = "" if Path(given).expanduser().is_absolute() else (
        f" ({given!r} is relative: it was read from the current folder {Path.cwd()}; "
        "notebooks run in notebooks/, so give an absolute path)")
    if not data_dir.is_dir():
        raise DataError(f"AG News folder not found: {data_dir}{relative}. {_FIXES}")
    missing = [f"{split}.csv" for split in SPLITS if not (data_dir / f"{split}.csv").is_file()]
    if missing:
        raise DataError(f"AG News folder {data_dir} lacks {', '.join(missing)}. {_FIXES}")
    return data_dir


def _read_official(data_dir=None, splits=SPLITS):
    """``{split: (titles, descriptions, labels)}`` from the folder or the TFDS download."""
    local = resolve_data_dir(data_dir)
    if local is not None:
        _check_classes_file(local)
        return {name: read_ag_news_csv(local / f"{name}.csv") for name in splits}
    try:
        import tensorflow_datasets as tfds

        datasets = tfds.load("ag_news_subset", split=list(splits))
    except Exception as error:  # the download fails in many ways offline
        raise DataError(f"tfds.load('ag_news_subset') failed ({type(error).__name__}: {error}). {_FIXES}") from error
    out = {}
    for name, ds in zip(splits, datasets):
        titles, descriptions, labels = [], [], []
        for batch in ds.batch(4096).as_numpy_iterator():
            titles += [t.decode("utf-8") for t in batch["title"]]
            descriptions += [d.decode("utf-8") for d in batch["description"]]
            labels.append(batch["label"])
        out[name] = (titles, descriptions, np.concatenate(labels).astype(np.int64))
    return out


def load_ag_news(data_dir=None):
    """``(train_ds, test_ds)``: the official AG News splits as ``tf.data.Dataset``.

    The elements are those of ``tfds.load('ag_news_subset')``: dicts of ``title``,
    ``description`` (``tf.string``) and ``label`` (``tf.int64``, 0-3). Sources, in
    order: ``data_dir``, ``$AG_NEWS_DIR`` (the data set's own CSV layout), the download.
    """
    rows = _read_official(data_dir)
    return tuple(
        tf.data.Dataset.from_tensor_slices({"description": tf.constant(d, tf.string),
                                            "label": tf.constant(y, tf.int64),
                                            "title": tf.constant(t, tf.string)})
        for t, d, y in (rows[name] for name in SPLITS))


def describe_source(data_dir=None):
    """One line saying where AG News comes from (for the environment check)."""
    local = resolve_data_dir(data_dir)
    if local is None:
        return "tfds.load('ag_news_subset') (download, cached under ~/tensorflow_datasets)"
    return f"local CSV files in {DATA_DIR_ENV} (folder {local.name}/)"


# ---------------------------------------------------------------------------
# The course sample and the profile's splits
# ---------------------------------------------------------------------------


def sample_key(title, description):
    """The hash that ranks a row inside its class for the course sample."""
    return hashlib.sha256(f"{title}\0{description}".encode("utf-8")).hexdigest()


def course_sample(titles, descriptions, labels):
    """Indices ``{"train": [...], "test": [...]}`` of the course sample in the official test split.

    Per class, rows ranked by ``sample_key``: ranks 150-499 are test rows, 500-1899
    training rows. Indices keep the file's order.
    """
    labels = np.asarray(labels)
    counts = np.bincount(labels, minlength=len(CLASS_NAMES))
    if len(labels) != OFFICIAL_TEST_ROWS or not np.all(counts == OFFICIAL_TEST_ROWS // len(CLASS_NAMES)):
        raise DataError(
            f"The course sample is drawn from the official AG News test split ({OFFICIAL_TEST_ROWS:,} rows, "
            f"1,900 a class); these rows number {len(labels):,} ({counts.tolist()} a class). {_FIXES}")
    chosen = {name: [] for name in SAMPLE_RANKS}
    for c in range(len(CLASS_NAMES)):
        rows = np.flatnonzero(labels == c)
        ranked = rows[np.argsort([sample_key(titles[i], descriptions[i]) for i in rows], kind="stable")]
        for name, (lo, hi) in SAMPLE_RANKS.items():
            chosen[name].extend(ranked[lo:hi].tolist())
    return {name: np.sort(np.asarray(index)) for name, index in chosen.items()}


def _texts(titles, descriptions):
    return np.asarray([f"{t} {d}" for t, d in zip(titles, descriptions)], dtype=object)


def load_source(source="sample", data_dir=None):
    """``{"train": (texts, labels), "test": (texts, labels)}`` of the course sample or the full data set.

    ``sample``: from a folder of the sample itself, or derived from the official test
    split (a folder of the full data set, or the download). ``full``: the official
    splits (a folder of the sample gives the sample). Texts are ``title + ' ' + description``.
    """
    if source not in ("sample", "full"):
        raise ValueError(f"Unknown AG News source {source!r}: use 'sample' (the course sample) or 'full'.")
    local = resolve_data_dir(data_dir)
    if source == "sample" and local is None:
        official = {"test": _read_official(None, ("test",))["test"]}
    else:
        official = _read_official(local)
    test_rows = len(official["test"][2])
    if source == "full" or test_rows != OFFICIAL_TEST_ROWS:  # the folder holds the splits to use
        return {name: (_texts(t, d), y) for name, (t, d, y) in official.items()}
    titles, descriptions, labels = official["test"]
    index = course_sample(titles, descriptions, labels)
    texts = _texts(titles, descriptions)
    return {name: (texts[i], labels[i]) for name, i in index.items()}


def _per_class(labels, counts, seed):
    """Per class, consecutive slices of one seeded permutation: ``[[indices of part 0], ...]``.

    ``counts`` is a list of numbers per class; ``None`` (last only) takes the rest.
    """
    rng = np.random.default_rng(seed)
    parts = [[] for _ in counts]
    for c in range(len(CLASS_NAMES)):
        rows = rng.permutation(np.flatnonzero(np.asarray(labels) == c))
        start = 0
        for part, n in zip(parts, counts):
            stop = len(rows) if n is None else start + n
            if stop > len(rows):
                raise ValueError(f"Class {CLASS_NAMES[c]} has {len(rows)} rows, fewer than the {sum(x or 0 for x in counts)} "
                                 f"the profile asks for ({counts}); lower the sizes or use a larger source.")
            part.extend(rows[start:stop].tolist())
            start = stop
    return [rng.permutation(np.asarray(part, dtype=np.int64)) for part in parts]


def load_splits(sizes=None, data_dir=None, seed=0):
    """The profile's AG News rows: ``splits.train``, ``splits.val``, ``splits.test``, each ``(texts, labels)``.

    ``sizes`` (default: the active profile's ``ag_news`` section) names the source
    and the rows *per class*: validation and training rows are drawn from the
    source's training rows (validation first), test rows from its test rows;
    ``None`` takes all that are left. Deterministic for a seed; classes interleaved.
    """
    if sizes is None:
        from .profiles import profile

        sizes = profile().ag_news
    source = load_source(sizes.source, data_dir)
    (x_train, y_train), (x_test, y_test) = source["train"], source["test"]
    val_idx, train_idx = _per_class(y_train, [sizes.val, sizes.train], seed)
    (test_idx,) = _per_class(y_test, [sizes.test], seed + 1)
    return SimpleNamespace(train=(x_train[train_idx], y_train[train_idx]), val=(x_train[val_idx], y_train[val_idx]),
                           test=(x_test[test_idx], y_test[test_idx]))
