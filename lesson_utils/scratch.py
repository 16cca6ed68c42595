"""The small transformer text classifier of notebook 02, reusable by the benchmark.

    vectorizer = make_vectorizer(train_texts, vocab_size=20_000, maxlen=64)
    model = build_classifier(**lesson_config(64))      # or **SEED_CONFIG
    compile_classifier(model)    # the lesson: compile_classifier(model, 1e-3, total_steps)
    timer = EpochTimer()
    history = model.fit(train_ds, validation_data=test_ds, epochs=5, callbacks=[timer])
    timer.summary(n_examples)   # examples/s and seconds per epoch, first epoch left out

The seed lesson's model: ``TextVectorization`` (20,000 words, ``maxlen`` 256),
``TokenAndPositionEmbedding`` (32), one ``TransformerBlock`` (2 heads,
feed-forward 32), ``GlobalAveragePooling1D``, Dropout, Dense(20, relu), Dropout,
Dense(4, softmax), Adam with a constant learning rate. The lesson's model is
the same with a ``maxlen`` taken from the length distribution, the padding
masked (``mask_padding=True``) and dropout 0.2; the lesson trains it with a
learning rate that warms up and then decays linearly (``schedule=True``).
"""
import math
import time

import numpy as np
import tensorflow as tf
import tf_keras as keras

from .layers import TokenAndPositionEmbedding, TransformerBlock
from .training import WarmupLinearDecay

SEED_CONFIG = {
    "vocab_size": 20_000,
    "maxlen": 256,
    "embed_dim": 32,
    "num_heads": 2,
    "ff_dim": 32,
    "hidden_units": 20,
    "dropout": 0.1,
    "num_classes": 4,
    "mask_padding": False,
}


def lesson_config(maxlen, **changes):
    """The lesson's configuration: the seed's sizes, a shorter ``maxlen``, padding masked, dropout 0.2.

    (Trained with ``schedule=True``. The slightly larger dropout helps a little on the
    5,600-example sample, where the model overfits within a few epochs.)
    """
    return {**SEED_CONFIG, "maxlen": int(maxlen), "mask_padding": True, "dropout": 0.2, **changes}


def length_quantile_maxlen(lengths, coverage=0.99, multiple=8):
    """The smallest multiple of ``multiple`` that is >= the ``coverage`` quantile of ``lengths``."""
    q = float(np.quantile(np.asarray(lengths), coverage))
    return int(max(multiple, math.ceil(q / multiple) * multiple))


def make_vectorizer(texts, vocab_size, maxlen, vocabulary=None):
    """A ``TextVectorization`` layer (lower case, no punctuation, split on spaces).

    Adapted to ``texts``, or given a ``vocabulary`` (e.g. another vectorizer's
    ``get_vocabulary()``). Outputs ``maxlen`` token ids per text (0 = padding).
    """
    vectorizer = keras.layers.TextVectorization(
        max_tokens=vocab_size, output_mode="int", output_sequence_length=maxlen, vocabulary=vocabulary
    )
    if vocabulary is None:
        vectorizer.adapt(np.asarray(texts, dtype=object))
    return vectorizer


def build_classifier(
    vocab_size,
    maxlen,
    embed_dim,
    num_heads,
    ff_dim,
    hidden_units=20,
    dropout=0.1,
    num_classes=4,
    mask_padding=False,
    name=None,
):
    """The seed lesson's classifier on token ids ``(batch, maxlen)`` -> class probabilities.

    ``mask_padding=True`` masks token id 0 in attention and in the average pooling.
    """
    # Any length up to maxlen: the batches in training all have length maxlen.
    inputs = keras.Input(shape=(None,), dtype="int64", name="token_ids")
    x = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim, mask_zero=mask_padding, name="embedding")(inputs)
    x = TransformerBlock(embed_dim, num_heads, ff_dim, rate=dropout, name="transformer_block")(x)
    x = keras.layers.GlobalAveragePooling1D(name="average")(x)  # uses the mask when there is one
    x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.Dense(hidden_units, activation="relu")(x)
    x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name or ("lesson" if mask_padding else "seed"))


def compile_classifier(model, learning_rate=1e-3, total_steps=None, warmup_fraction=0.1):
    """Adam and sparse categorical cross-entropy, as in the seed lesson.

    ``total_steps=None``: a constant learning rate (the seed). Otherwise the rate
    rises linearly over the first ``warmup_fraction`` of the ``total_steps``
    batches, then falls linearly to 0 (``lesson_utils.training.WarmupLinearDecay``).
    """
    if total_steps:
        learning_rate = WarmupLinearDecay(learning_rate, total_steps, int(round(warmup_fraction * total_steps)))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def make_dataset(token_ids, labels, batch_size, shuffle=False, seed=0):
    """A batched, prefetched ``tf.data.Dataset`` of ``(token_ids, labels)``."""
    ds = tf.data.Dataset.from_tensor_slices((token_ids, labels))
    if shuffle:
        ds = ds.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


class EpochTimer(keras.callbacks.Callback):
    """Seconds spent *training* in each epoch (validation left out)."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._stop = time.perf_counter(), None

    def on_test_begin(self, logs=None):  # validation at the end of an epoch starts here
        if getattr(self, "_stop", 1) is None:
            self._stop = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append((self._stop or time.perf_counter()) - self._start)

    def summary(self, n_examples, skip_first=True):
        """``{"epoch_seconds", "examples_per_second"}``, median over the epochs after the first
        (which also traces the graph), unless there is only one."""
        seconds = self.seconds[1:] if skip_first and len(self.seconds) > 1 else self.seconds
        epoch_seconds = float(np.median(seconds))
        return {"epoch_seconds": epoch_seconds, "examples_per_second": n_examples / epoch_seconds}


def train_and_measure(
    config, train_ds, test_ds, n_train, epochs, strategy=None, learning_rate=1e-3, schedule=False, seed=42
):
    """Build (inside ``strategy.scope()``), train and evaluate one configuration.

    ``train_ds``/``test_ds`` are batched ``(token_ids, label)`` datasets (global
    batch size). ``schedule=True`` uses the warm-up and linear decay of the
    learning rate. Returns ``(model, history, result)``; ``result`` holds
    ``epoch_seconds`` and ``examples_per_second`` (first epoch left out when
    there are several) and ``test_accuracy``.
    """
    keras.utils.set_random_seed(seed)
    strategy = strategy or tf.distribute.get_strategy()
    total_steps = int(train_ds.cardinality()) * epochs if schedule else None
    with strategy.scope():
        model = compile_classifier(build_classifier(**config), learning_rate, total_steps)
    timer = EpochTimer()
    history = model.fit(train_ds, validation_data=test_ds, epochs=epochs, callbacks=[timer], verbose=2)
    result = timer.summary(n_train)
    result["test_accuracy"] = float(model.evaluate(test_ds, verbose=0)[1])
    return model, history, result
