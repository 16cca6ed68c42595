"""Tests of lesson_utils.tfhub with tiny TF Hub-style SavedModels (a few seconds on a CPU).

The preprocessor uses the real uncased BERT vocabulary (from the offline
weights package); the encoder is a 2-layer BERT with random weights, exported
with the same interface as the TF Hub encoders.
"""
import lesson_utils  # noqa: F401  (first: Keras 2, quiet TensorFlow)

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from lesson_utils import bert, pretrained, tfhub

TEXTS = ["I love transformers", "Stocks fall as oil prices rise sharply in Asian markets today",
         "Hello", "The team won the final match of the season after extra time on Sunday night"]


@pytest.fixture(scope="module")
def handles(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    bert.export_hub_preprocessor(str(pretrained.source_dir() / "vocab.txt"), str(root / "preprocess"))
    keras.utils.set_random_seed(0)
    encoder = bert.BertEncoder(hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64,
                               max_position=128, dropout=0.0, attention_dropout=0.0)
    dummy = tf.ones([1, 2], tf.int32)
    encoder({"input_word_ids": dummy, "input_mask": dummy, "input_type_ids": 0 * dummy})
    bert.export_hub_encoder(encoder, str(root / "encoder"))
    return {"tfhub_preprocess": str(root / "preprocess"), "tfhub_encoder": str(root / "encoder")}


@pytest.fixture(scope="module")
def packed(handles):
    return tfhub.pack_texts(handles["tfhub_preprocess"], TEXTS, max_seq_length=32)


def test_pack_texts_ids_and_shapes(packed):
    assert set(packed) == set(tfhub.INPUT_KEYS)
    assert all(v.shape == (4, 32) and v.dtype == np.int32 for v in packed.values())
    assert packed["input_word_ids"][0, :6].tolist() == [101, 1045, 2293, 19081, 102, 0]
    assert packed["input_mask"][0, :6].tolist() == [1, 1, 1, 1, 1, 0]
    assert not packed["input_type_ids"].any()
    assert tfhub.sequence_lengths(packed)[0] == 5


def test_truncate_keeps_sep(packed):
    short = tfhub.truncate(packed, 6)
    lengths = tfhub.sequence_lengths(packed)
    assert short["input_word_ids"].shape == (4, 6)
    for i, n in enumerate(lengths):
        if n > 6:
            assert short["input_word_ids"][i, -1] == 102 and short["input_mask"][i].sum() == 6
        else:
            assert (short["input_word_ids"][i] == packed["input_word_ids"][i, :6]).all()


def test_padded_tokens():
    lengths = [5, 30, 6, 29]
    assert tfhub.padded_tokens(lengths, 2, fixed_length=128) == 512
    assert tfhub.padded_tokens(lengths, 2) == 2 * 30 + 2 * 29
    assert tfhub.padded_tokens(lengths, 2, sort=True) == 2 * 6 + 2 * 30


def test_make_dataset_pads_each_batch_to_its_own_length(packed):
    labels = np.arange(4)
    lengths = tfhub.sequence_lengths(packed)
    batches = list(tfhub.make_dataset(packed, labels, batch_size=2))
    assert [b[0]["input_word_ids"].shape[1] for b in batches] == [max(lengths[:2]), max(lengths[2:])]
    seen = []
    for features, y in tfhub.make_dataset(packed, labels, batch_size=2, shuffle=True, bucket_boundaries=[8]):
        width = features["input_mask"].shape[1]
        assert width == features["input_mask"].numpy().sum(axis=1).max()
        seen.extend(y.numpy().tolist())
    assert sorted(seen) == [0, 1, 2, 3]


def test_masked_mean_pooling_ignores_padding():
    x = tf.constant([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    mask = tf.constant([[1, 1, 0]])
    np.testing.assert_allclose(tfhub.MaskedMeanPooling()(x, mask).numpy(), [[2.0, 3.0]])


def test_encode_features_same_with_dynamic_and_fixed_padding(handles, packed):
    model = tfhub.build_feature_model(handles["tfhub_encoder"], ("mean", "pooled"))
    dynamic = tfhub.encode_features(model, packed, batch_size=3, progress=False)
    fixed = tfhub.encode_features(model, packed, batch_size=3, progress=False, pad_to=32)
    assert dynamic["mean"].shape == (4, 32) and dynamic["pooled"].shape == (4, 32)
    for key in ("mean", "pooled"):
        np.testing.assert_allclose(dynamic[key], fixed[key], atol=1e-4)
    # The order is the original one: the first example alone gives the same features.
    alone = tfhub.encode_features(model, tfhub.take(packed, slice(0, 1)), progress=False)
    np.testing.assert_allclose(alone["mean"][0], dynamic["mean"][0], atol=1e-4)


def test_classifiers_on_tokens_and_on_strings(handles, packed):
    head = tfhub.build_head(num_classes=4)
    tokens = tfhub.build_classifier(handles["tfhub_encoder"], head=head, pooling="mean")
    logits = tokens.predict(tfhub.make_dataset(packed, batch_size=4), verbose=0)
    assert logits.shape == (4, 4)
    strings = tfhub.build_classifier(handles["tfhub_encoder"], pooling="pooled", trainable=False,
                                     preprocess_handle=handles["tfhub_preprocess"])
    assert strings(tf.constant(TEXTS)).shape == (4, 4)
    assert not strings.get_layer("BERT_encoder").trainable_weights


def test_train_head_and_timing(handles):
    features = np.random.default_rng(0).normal(size=(16, 8)).astype(np.float32)
    labels = np.arange(16) % 4
    head, history = tfhub.train_head(features, labels, epochs=2, batch_size=8)
    assert len(history.history["loss"]) == 2 and head.output_shape == (None, 4)
    timing = tfhub.frozen_head_timing(handles["tfhub_preprocess"], handles["tfhub_encoder"],
                                      TEXTS * 2, [0, 1, 2, 3] * 2, epochs=2, batch_size=4)
    assert timing["examples"] == 8 and timing["epochs"] == 2
    assert timing["cached_s"] == pytest.approx(timing["encode_s"] + timing["head_s"])
    assert timing["speedup"] == pytest.approx(timing["seed_style_s"] / timing["cached_s"])
