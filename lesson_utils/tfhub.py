"""BERT from TF Hub, the fast way: padding per batch, and frozen features computed once.

Notebook 03 and the benchmark use these pieces with the TF Hub handles of
``lesson_utils.pretrained.handles()`` (online: the real TF Hub models; offline:
local SavedModels with the same interface), so both run the same code.

* ``pack_texts``: strings -> ``input_word_ids``, ``input_mask``,
  ``input_type_ids`` with the preprocessor's ``tokenize`` and
  ``bert_pack_inputs`` (NumPy arrays ``[N, max_seq_length]``), done once;
* ``make_dataset``: a ``tf.data`` pipeline whose batches are padded only to
  their own longest sequence, optionally grouped by length (buckets);
* ``build_classifier``: encoder -> pooling (``"mean"`` over real tokens, or
  BERT's ``"pooled"`` output) -> dropout -> dense, on token ids or, with a
  preprocessor inside, on raw strings (the seed lesson's model);
* ``encode_features``: the frozen encoder's features for every example,
  computed once, sorted by length, with a progress bar;
* ``predict``: any model on packed inputs, in order, with the same sorting;
* ``frozen_head_timing``: seconds to train a head for some epochs with the
  frozen encoder inside every epoch (seed style) against features computed once.

Import ``lesson_utils`` before this module (it selects Keras 2).
"""
import sys
import time

import numpy as np
import tensorflow as tf
import tensorflow_hub as hub
import tensorflow_text  # noqa: F401  (registers the ops the TF Hub preprocessor needs)
import tf_keras as keras

INPUT_KEYS = ("input_word_ids", "input_mask", "input_type_ids")
POOLINGS = ("mean", "pooled")


# ---------------------------------------------------------------------------
# Text -> BERT inputs
# ---------------------------------------------------------------------------


def pack_texts(preprocess_handle, texts, max_seq_length=128, batch_size=1024):
    """Tokenize and pack ``texts`` once: a dict of ``int32`` arrays ``[N, max_seq_length]``.

    Uses the preprocessor's two halves, as TF Hub documents them:
    ``tokenize`` (strings -> word pieces) and ``bert_pack_inputs`` (adds
    ``[CLS]``/``[SEP]``, truncates to ``max_seq_length``, pads with zeros).
    """
    preprocessor = hub.load(preprocess_handle)
    tokenize = hub.KerasLayer(preprocessor.tokenize)
    pack = hub.KerasLayer(preprocessor.bert_pack_inputs, arguments=dict(seq_length=max_seq_length))
    texts = [str(t) for t in texts]
    parts = {key: [] for key in INPUT_KEYS}
    for start in range(0, len(texts), batch_size):
        packed = pack([tokenize(tf.constant(texts[start:start + batch_size]))])
        for key in INPUT_KEYS:
            parts[key].append(packed[key].numpy().astype(np.int32))
    width = max_seq_length
    return {key: np.concatenate(arrays) if arrays else np.zeros((0, width), np.int32)
            for key, arrays in parts.items()}


def sequence_lengths(inputs):
    """Number of real tokens (``[CLS]`` and ``[SEP]`` included) of each packed example."""
    return np.asarray(inputs["input_mask"]).sum(axis=1).astype(np.int64)


def take(inputs, index):
    """The examples ``index`` (an array of indices or a slice) of a dict of packed inputs."""
    return {key: np.asarray(value)[index] for key, value in inputs.items()}


def truncate(inputs, max_seq_length):
    """Cut packed inputs to ``max_seq_length`` tokens, keeping ``[SEP]`` as the last real token.

    Equivalent to packing again with a smaller ``seq_length`` (for single sentences).
    """
    lengths = sequence_lengths(inputs)
    out = {key: np.array(value[:, :max_seq_length]) for key, value in inputs.items()}
    cut = lengths > max_seq_length
    if cut.any():
        sep = np.asarray(inputs["input_word_ids"])[np.flatnonzero(cut), lengths[cut] - 1]
        out["input_word_ids"][cut, max_seq_length - 1] = sep
    return out


def padded_tokens(lengths, batch_size, fixed_length=None, sort=False):
    """How many token positions the encoder processes for examples of these ``lengths``.

    ``fixed_length``: every example padded to it (the seed); otherwise each batch
    is padded to its own longest example, after sorting by length if ``sort``.
    """
    lengths = np.asarray(lengths)
    if fixed_length is not None:
        return int(len(lengths) * fixed_length)
    if sort:
        lengths = np.sort(lengths)
    return int(sum(len(b) * b.max() for b in np.array_split(lengths, range(batch_size, len(lengths), batch_size))
                   if len(b)))


# ---------------------------------------------------------------------------
# tf.data with padding per batch
# ---------------------------------------------------------------------------


@tf.autograph.experimental.do_not_convert
def _strip_padding(element):
    """One packed example (a dict of ``[max_seq_length]`` vectors) -> its real tokens only."""
    length = tf.reduce_sum(element["input_mask"])
    return {key: value[:length] for key, value in element.items()}


def make_dataset(inputs, labels=None, batch_size=32, shuffle=False, bucket_boundaries=None, seed=0):
    """Batches of packed inputs (and labels), each padded to its own longest example.

    ``bucket_boundaries`` (e.g. ``[32, 48, 64]``) groups examples of similar
    length into the same batches (``tf.data``'s ``bucket_by_sequence_length``),
    so that even less padding is needed. With ``shuffle`` the order changes in
    every epoch (reproducibly for a ``seed``).
    """
    features = {key: np.asarray(inputs[key], np.int32) for key in INPUT_KEYS}
    n = len(sequence_lengths(inputs))
    if labels is None:
        ds = tf.data.Dataset.from_tensor_slices(features).map(_strip_padding)
    else:
        ds = tf.data.Dataset.from_tensor_slices((features, np.asarray(labels, np.int64)))
        ds = ds.map(tf.autograph.experimental.do_not_convert(lambda x, y: (_strip_padding(x), y)))
    if shuffle:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    if bucket_boundaries:
        @tf.autograph.experimental.do_not_convert
        def length(*element):
            return tf.shape(element[0]["input_word_ids"])[0]

        ds = ds.bucket_by_sequence_length(
            length, bucket_boundaries=list(bucket_boundaries),
            bucket_batch_sizes=[batch_size] * (len(bucket_boundaries) + 1))
        if shuffle:  # buckets fill at different speeds: mix the order of the batches too
            ds = ds.shuffle(64, seed=seed, reshuffle_each_iteration=True)
    else:
        ds = ds.padded_batch(batch_size)
    return ds.prefetch(tf.data.AUTOTUNE)


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


class MaskedMeanPooling(keras.layers.Layer):
    """Average of the token vectors over real tokens (``input_mask == 1``), padding ignored.

    $\\bar h = \\sum_t m_t h_t / \\sum_t m_t$ -- the pooling that all-MiniLM
    (sentence-transformers) was trained with.
    """

    def call(self, sequence_output, mask):
        mask = tf.cast(mask, sequence_output.dtype)[:, :, tf.newaxis]  # [B, T, 1]
        total = tf.reduce_sum(sequence_output * mask, axis=1)
        return total / tf.maximum(tf.reduce_sum(mask, axis=1), 1.0)


def token_inputs():
    """Keras inputs for packed BERT inputs of any length: a dict of ``int32 [batch, None]``."""
    return {key: keras.Input(shape=(None,), dtype=tf.int32, name=key) for key in INPUT_KEYS}


def pool(encoder_outputs, mask, pooling="mean"):
    """``"mean"``: masked mean of ``sequence_output``; ``"pooled"``: BERT's ``pooled_output``."""
    if pooling == "mean":
        return MaskedMeanPooling(name="mean_pooling")(encoder_outputs["sequence_output"], mask)
    if pooling == "pooled":
        return encoder_outputs["pooled_output"]
    raise ValueError(f"Unknown pooling {pooling!r}; choose one of {POOLINGS}.")


def build_head(num_classes=4, dropout=0.1, name="head"):
    """The classification head of the lesson: dropout, then a dense layer to logits."""
    return keras.Sequential([keras.layers.Dropout(dropout), keras.layers.Dense(num_classes)], name=name)


def build_feature_model(encoder_handle, pooling="mean"):
    """Packed inputs -> the frozen encoder -> one feature vector per example.

    ``pooling`` is ``"mean"``, ``"pooled"``, or a tuple of both: then the model
    returns a dict ``{pooling: features}`` from one pass of the encoder.
    """
    inputs = token_inputs()
    outputs = hub.KerasLayer(encoder_handle, trainable=False, name="BERT_encoder")(inputs)
    if isinstance(pooling, str):
        return keras.Model(inputs, pool(outputs, inputs["input_mask"], pooling), name=f"bert_{pooling}_features")
    features = {name: pool(outputs, inputs["input_mask"], name) for name in pooling}
    return keras.Model(inputs, features, name="bert_features")


def build_classifier(encoder_handle, head=None, pooling="mean", trainable=True,
                     preprocess_handle=None, num_classes=4, dropout=0.1):
    """encoder -> pooling -> ``head`` (dropout + dense, a new one if ``None``): logits.

    Without ``preprocess_handle`` the model takes packed inputs (for
    ``make_dataset``); with it, it takes raw strings and contains the TF Hub
    preprocessor (fixed length 128), like the seed lesson's model.
    """
    if preprocess_handle is None:
        inputs = token_inputs()
        encoder_inputs = inputs
    else:
        inputs = keras.Input(shape=(), dtype=tf.string, name="text")
        encoder_inputs = hub.KerasLayer(preprocess_handle, name="preprocessing")(inputs)
    encoder = hub.KerasLayer(encoder_handle, trainable=trainable, name="BERT_encoder")
    features = pool(encoder(encoder_inputs), encoder_inputs["input_mask"], pooling)
    head = head or build_head(num_classes, dropout)
    return keras.Model(inputs, head(features), name="bert_classifier")


def compile_classifier(model, optimizer):
    """Sparse categorical cross-entropy on logits, with accuracy."""
    model.compile(optimizer=optimizer,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


# ---------------------------------------------------------------------------
# Frozen features, computed once
# ---------------------------------------------------------------------------


class ProgressBar:
    """A one-line text progress bar, redrawn at most ``steps`` times (short in a saved notebook)."""

    def __init__(self, total, label="", width=30, steps=10):
        self.total, self.label, self.width, self.steps = total, label, width, steps
        self.start, self.shown = time.perf_counter(), -1

    def update(self, done):
        stage = done * self.steps // max(self.total, 1)
        if stage == self.shown and done < self.total:
            return
        self.shown = stage
        filled = self.width * done // max(self.total, 1)
        seconds = time.perf_counter() - self.start
        end = "\n" if done >= self.total else ""
        sys.stdout.write(f"\r{self.label} [{'=' * filled}{'.' * (self.width - filled)}] "
                         f"{done}/{self.total} batch, {seconds:.0f} s{end}")
        sys.stdout.flush()


def _forward(feature_model):
    """``feature_model`` in inference mode as one ``tf.function`` for every batch shape (traced once)."""
    forward = getattr(feature_model, "_lesson_forward", None)
    if forward is None:
        spec = {key: tf.TensorSpec([None, None], tf.int32) for key in INPUT_KEYS}
        forward = tf.function(lambda x: feature_model(x, training=False), input_signature=[spec])
        feature_model._lesson_forward = forward
    return forward


def encode_features(feature_model, inputs, batch_size=64, progress=True, pad_to=None):
    """The features of ``feature_model`` for every packed example: ``float32 [N, H]`` (or a dict of them).

    By default the examples are sorted by length, so each batch is padded only
    to the longest of similar lengths; the result is in the original order.
    ``pad_to`` instead pads every batch to that many tokens, in the original
    order (what a fixed-length preprocessor does, e.g. 128 in the seed). The
    encoder runs once per example, in inference mode; ``progress`` shows a
    progress bar.
    """
    inputs = {key: np.asarray(value) for key, value in inputs.items()}
    lengths = sequence_lengths(inputs)
    order = np.arange(len(lengths)) if pad_to else np.argsort(lengths, kind="stable")
    forward = _forward(feature_model)
    starts = range(0, len(order), batch_size)
    bar = ProgressBar(len(starts), "encode") if progress else None
    chunks = []
    for i, start in enumerate(starts):
        index = order[start:start + batch_size]
        width = pad_to or int(lengths[index].max())
        batch = {}
        for key in INPUT_KEYS:
            value = inputs[key][index, :width]
            if value.shape[1] < width:
                value = np.pad(value, [(0, 0), (0, width - value.shape[1])])
            batch[key] = tf.constant(value, tf.int32)
        chunks.append(tf.nest.map_structure(lambda t: t.numpy(), forward(batch)))
        if bar is not None:
            bar.update(i + 1)

    def unsort(*parts):
        features = np.concatenate(parts)
        out = np.empty_like(features)
        out[order] = features
        return out

    return tf.nest.map_structure(unsort, *chunks)


def predict(model, inputs, batch_size=64):
    """``model``'s outputs (e.g. logits) for packed ``inputs``, in their order, padded per sorted batch."""
    return encode_features(model, inputs, batch_size, progress=False)


def time_encoding(feature_model, inputs, batch_size=64, pad_to=None):
    """Seconds to encode ``inputs`` once (see ``encode_features``); tracing is not counted."""
    encode_features(feature_model, take(inputs, slice(0, 2)), batch_size, progress=False, pad_to=pad_to)
    start = time.perf_counter()
    encode_features(feature_model, inputs, batch_size, progress=False, pad_to=pad_to)
    return time.perf_counter() - start


def train_head(features, labels, epochs, batch_size=32, learning_rate=1e-3, num_classes=4, dropout=0.1,
               validation_data=None, verbose=0, seed=0):
    """Train ``build_head`` on cached features with Adam; returns ``(head, history)``.

    Build it inside your ``strategy.scope()`` when you use one.
    """
    keras.utils.set_random_seed(seed)
    head = build_head(num_classes, dropout)
    head.build((None, features.shape[1]))
    compile_classifier(head, keras.optimizers.Adam(learning_rate))
    history = head.fit(features, labels, batch_size=batch_size, epochs=epochs,
                       validation_data=validation_data, verbose=verbose)
    return head, history


def frozen_head_timing(preprocess_handle, encoder_handle, texts, labels, epochs=5, batch_size=32,
                       pooling="pooled", max_seq_length=128, learning_rate=1e-3):
    """Seconds to train a head on frozen BERT for ``epochs``, two ways, on ``texts``.

    * ``seed_style_s``: the seed lesson's model (strings -> preprocessor,
      length 128 -> frozen encoder -> dropout -> dense) trained with ``fit``: the
      encoder runs again on every example in every epoch;
    * ``cached_s``: pack the texts once, encode them once (sorted, padded per
      batch: ``encode_s``), then train the same head on the features
      (``head_s``).

    Tracing (the first batch) is not counted in either. Returns a dict with the
    seconds and ``speedup`` = seed_style_s / cached_s.
    """
    texts = np.asarray([str(t) for t in texts], dtype=object)
    labels = np.asarray(labels, np.int64)
    ds = tf.data.Dataset.from_tensor_slices((tf.constant(list(texts)), labels)).batch(batch_size)

    seed_model = build_classifier(encoder_handle, pooling=pooling, trainable=False,
                                  preprocess_handle=preprocess_handle)
    compile_classifier(seed_model, keras.optimizers.Adam(learning_rate))
    seed_model.fit(ds.take(1), epochs=1, verbose=0)  # trace the training step
    start = time.perf_counter()
    seed_model.fit(ds, epochs=epochs, verbose=0)
    seed_style = time.perf_counter() - start

    feature_model = build_feature_model(encoder_handle, pooling)
    encode_features(feature_model, pack_texts(preprocess_handle, texts[:2], max_seq_length), progress=False)
    start = time.perf_counter()
    inputs = pack_texts(preprocess_handle, texts, max_seq_length)
    features = encode_features(feature_model, inputs, progress=False)
    encode = time.perf_counter() - start
    start = time.perf_counter()
    train_head(features, labels, epochs, batch_size, learning_rate)
    head = time.perf_counter() - start
    return {"examples": len(texts), "epochs": epochs, "seed_style_s": seed_style, "encode_s": encode,
            "head_s": head, "cached_s": encode + head, "speedup": seed_style / (encode + head)}
