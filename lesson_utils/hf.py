"""Input pipeline for HuggingFace ``transformers`` models in TensorFlow.

The seed lesson tokenized every example on its own inside ``tf.py_function``
and padded it to 128 tokens. Here the fast (Rust) tokenizer handles the whole
list of texts in one call, the token ids go into ``tf.data`` as ragged rows,
and padding happens per batch inside the graph:

* ``pad_to=None`` (default): pad each batch to its longest sequence
  ("dynamic padding");
* ``bucket_boundaries=[...]``: also group sequences of similar length into
  the same batch (``tf.data.Dataset.bucket_by_sequence_length``), so that
  batches hold almost no padding;
* ``pad_to=128``: pad everything to a fixed length, as the seed did (for
  comparison).

There is no Python code per example: after tokenization every step is a
TensorFlow op. Batches are ``(features, labels)`` with ``features`` a dict of
``input_ids``, ``attention_mask`` and ``token_type_ids`` (``int32``,
``[batch, length]``), ready for ``TFBertForSequenceClassification.fit``.

Import ``lesson_utils`` before this module (it selects Keras 2).
"""
import time

import numpy as np
import tensorflow as tf

FEATURES = ("input_ids", "attention_mask", "token_type_ids")


def tokenize_ragged(tokenizer, texts, max_length=128):
    """Token ids and attention masks of ``texts`` as two ``tf.RaggedTensor`` (no padding).

    One call of the (fast) tokenizer on the whole list; sequences longer than
    ``max_length`` (with ``[CLS]`` and ``[SEP]``) are truncated.
    """
    encoded = tokenizer(
        [str(t) for t in texts], truncation=True, max_length=max_length,
        padding=False, return_token_type_ids=False, return_attention_mask=True)
    lengths = np.array([len(row) for row in encoded["input_ids"]], dtype=np.int64)

    def ragged(rows):  # one flat array and the row lengths: much faster than tf.ragged.constant
        flat = np.fromiter((v for row in rows for v in row), dtype=np.int32, count=int(lengths.sum()))
        return tf.RaggedTensor.from_row_lengths(flat, lengths)

    return ragged(encoded["input_ids"]), ragged(encoded["attention_mask"])


def sequence_lengths(tokenizer, texts, max_length=None):
    """Number of tokens (with ``[CLS]`` and ``[SEP]``) of each text, as a NumPy array."""
    kwargs = {"truncation": True, "max_length": max_length} if max_length else {}
    encoded = tokenizer([str(t) for t in texts], **kwargs)
    return np.array([len(ids) for ids in encoded["input_ids"]])


def _add_token_type_ids(features, labels):
    # Runs once per *batch*: one segment only, so every token type is 0.
    features = dict(features, token_type_ids=tf.zeros_like(features["input_ids"]))
    return features, labels


def tokenize_to_dataset(tokenizer, texts, labels=None, batch_size=32, max_length=128,
                        pad_to=None, bucket_boundaries=None, shuffle=False, seed=0,
                        drop_remainder=False):
    """A batched ``tf.data.Dataset`` of ``(features, labels)`` for a transformers model.

    Args:
        tokenizer: a HuggingFace tokenizer (a fast one: it tokenizes the whole
            list in one call).
        texts: a sequence of strings.
        labels: integer labels, or ``None`` (then the batches are ``features`` only).
        batch_size: examples per batch (the *global* batch size under a
            ``tf.distribute`` strategy).
        max_length: truncate longer sequences to this many tokens.
        pad_to: ``None`` pads each batch to its longest sequence; an integer
            (``>= max_length``) pads every batch to that fixed length, like the
            seed lesson's 128.
        bucket_boundaries: e.g. ``[32, 48, 64, 96]``: batch together sequences
            whose lengths fall in the same interval (``< 32``, ``32-47``, ...),
            each batch padded to its own longest. Ignored when ``pad_to`` is set.
            Bucketing changes the order of the examples: use it for training
            (with ``shuffle=True``), not where predictions must line up with
            ``labels``.
        shuffle: shuffle the examples (before batching, reshuffled every epoch).
        seed: seed of the shuffle.
        drop_remainder: drop batches smaller than ``batch_size``.
    """
    if pad_to is not None and pad_to < max_length:
        raise ValueError(f"pad_to ({pad_to}) must be >= max_length ({max_length}): "
                         "sequences are truncated to max_length first.")
    ids, mask = tokenize_ragged(tokenizer, texts, max_length)
    features = {"input_ids": ids, "attention_mask": mask}
    if labels is None:
        ds = tf.data.Dataset.from_tensor_slices(features).map(lambda f: (f, tf.zeros([], tf.int32)))
    else:
        labels = np.asarray(labels)
        if len(labels) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels.")
        ds = tf.data.Dataset.from_tensor_slices((features, tf.constant(labels, tf.int32)))
    # Slices of a ragged tensor come out as 1-row ragged values; an identity map
    # (traced once, a graph op) turns them into plain tensors for padded_batch.
    ds = ds.map(lambda f, y: (dict(f), y))
    if shuffle:
        ds = ds.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)

    shapes = ({"input_ids": [pad_to], "attention_mask": [pad_to]}, [])
    if pad_to is None and bucket_boundaries:
        boundaries = sorted(int(b) for b in bucket_boundaries)
        ds = ds.bucket_by_sequence_length(
            element_length_func=lambda f, y: tf.shape(f["input_ids"])[0],
            bucket_boundaries=boundaries,
            bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
            padded_shapes=shapes, drop_remainder=drop_remainder)
    else:
        ds = ds.padded_batch(batch_size, padded_shapes=shapes, drop_remainder=drop_remainder)
    ds = ds.map(_add_token_type_ids, num_parallel_calls=tf.data.AUTOTUNE)
    if labels is None:
        ds = ds.map(lambda f, y: f)
    return ds.prefetch(tf.data.AUTOTUNE)


def padding_fraction(dataset):
    """Share of the token positions of ``dataset``'s batches that are padding (0 to 1)."""
    real = total = 0
    for batch in dataset:
        features = batch[0] if isinstance(batch, tuple) else batch
        mask = features["attention_mask"].numpy()
        real, total = real + mask.sum(), total + mask.size
    return 1.0 - real / max(total, 1)


def count_batches(dataset):
    """Number of batches in one pass over ``dataset`` (bucketing makes it hard to compute)."""
    return int(dataset.reduce(0, lambda n, batch: n + 1))


def count_examples(dataset):
    """Number of examples in a batched ``(features, labels)`` dataset."""
    return int(dataset.reduce(0, lambda n, batch: n + tf.shape(batch[0]["input_ids"])[0]))


def fixed_batches(dataset, steps):
    """The first ``steps`` batches of ``dataset`` (repeated if shorter), as a dataset that yields exactly them.

    A shuffled dataset gives other batches, and so other padded lengths, on
    every pass; timing needs the same batches in the warm-up and the timed run.
    """
    if int(steps) < 1:
        raise ValueError(f"steps={steps!r}: timing needs at least one batch; pass steps=1 or more.")
    batches = list(dataset.repeat().take(steps))
    if not batches:
        raise ValueError("The dataset is empty: there is no batch to time; build it from at least one text.")
    fixed = tf.data.Dataset.from_tensors(batches[0])
    for batch in batches[1:]:
        fixed = fixed.concatenate(tf.data.Dataset.from_tensors(batch))
    return fixed


def _fit_seconds(model, batches):
    start = time.perf_counter()
    model.fit(batches, epochs=1, verbose=0)
    return time.perf_counter() - start


def train_throughput(model, dataset, steps=20):
    """Training speed of a compiled ``model`` on ``dataset``: ``(examples_per_second, seconds)``.

    Takes the first ``steps`` batches, trains on them once untimed (tracing the
    training step and, for every new padded length, TensorFlow's one-off kernel
    set-up), then times ``model.fit`` on the same batches. The model's weights
    change: use a throw-away copy.
    """
    batches = fixed_batches(dataset, steps)
    _fit_seconds(model, batches)
    seconds = _fit_seconds(model, batches)
    return count_examples(batches) / seconds, seconds


def compare_train_throughput(model, datasets, steps=8, rounds=3):
    """Training examples per second of ``model`` on each of ``datasets`` (a dict name -> dataset).

    The first ``steps`` batches of every dataset are trained on once untimed
    (warm-up, as in ``train_throughput``), then timed in each of ``rounds``
    interleaved rounds; the best round counts. Interleaving and the best of
    several rounds keep the comparison fair on a busy machine, where other
    programs slow down some measurements more than others. The model's weights
    change: use a throw-away copy.
    """
    if int(rounds) < 1:
        raise ValueError(f"rounds={rounds!r}: the comparison needs at least one timed round; pass rounds=1 or more.")
    batches = {name: fixed_batches(ds, steps) for name, ds in datasets.items()}
    examples = {name: count_examples(b) for name, b in batches.items()}
    for b in batches.values():
        _fit_seconds(model, b)
    best = {name: 0.0 for name in datasets}
    for _ in range(rounds):
        for name, b in batches.items():
            best[name] = max(best[name], examples[name] / _fit_seconds(model, b))
    return best
