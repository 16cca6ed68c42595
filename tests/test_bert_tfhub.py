"""Notebook 03's saved code with tiny TF Hub-style SavedModels (the real uncased vocabulary, a random 2-layer BERT)."""
import lesson_utils  # noqa: F401  (first: Keras 2)
import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from lesson_utils import bert_tfhub as lesson
from lesson_utils._offline import bert, prepare

TEXTS = ["I love transformers", "Stocks fall as oil prices rise sharply in Asian markets today",
         "Hello", "The team won the final match of the season after extra time on Sunday night"]


@pytest.fixture(scope="module")
def handles(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    bert.export_hub_preprocessor(str(prepare.source_dir() / "vocab.txt"), str(root / "preprocess"))
    keras.utils.set_random_seed(0)
    encoder = bert.BertEncoder(hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64, max_position=128,
                               dropout=0.0, attention_dropout=0.0)
    dummy = tf.ones([1, 2], tf.int32)
    encoder({"input_word_ids": dummy, "input_mask": dummy, "input_type_ids": 0 * dummy})
    bert.export_hub_encoder(encoder, str(root / "encoder"))
    return {"tfhub_preprocess": str(root / "preprocess"), "tfhub_encoder": str(root / "encoder")}


@pytest.fixture(scope="module")
def packed(handles):
    return lesson.pack_texts(handles["tfhub_preprocess"], TEXTS, seq_length=32)


def test_pack_texts_gives_the_original_lesson_ids(packed):
    assert set(packed) == set(lesson.INPUT_KEYS) and all(v.shape == (4, 32) for v in packed.values())
    assert packed["input_word_ids"][0, :6].tolist() == [101, 1045, 2293, 19081, 102, 0]
    assert packed["input_mask"][0, :6].tolist() == [1, 1, 1, 1, 1, 0] and not packed["input_type_ids"].any()


def test_masked_mean_pooling_ignores_padding():
    x = tf.constant([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    np.testing.assert_allclose(lesson.MaskedMeanPooling()(x, tf.constant([[1, 1, 0]])).numpy(), [[2.0, 3.0]])


def test_predict_sorted_keeps_the_order_and_equals_fixed_padding(handles, packed):
    model = lesson.build_feature_model(handles["tfhub_encoder"])
    dynamic = lesson.predict_sorted(model, packed, batch_size=3)
    fixed = lesson.predict_sorted(model, packed, batch_size=3, pad_to=32)
    for key in ("mean", "pooled"):
        np.testing.assert_allclose(dynamic[key], fixed[key], atol=1e-4)
    for i in range(4):  # each example alone gives its own row: the order is the original one
        alone = lesson.predict_sorted(model, {k: v[i:i + 1] for k, v in packed.items()})
        np.testing.assert_allclose(alone["mean"][0], dynamic["mean"][i], atol=1e-4)


def test_bucketed_dataset_pads_to_the_bucket_boundaries_and_keeps_every_example(packed):
    labels = np.arange(4)
    seen = []
    for features, y in lesson.bucketed_dataset(packed, labels, 2, boundaries=[8, 16, 32], shuffle=True):
        width = features["input_mask"].shape[1]
        assert width in (8, 16, 32) and features["input_mask"].numpy().sum(1).max() <= width
        assert features["input_mask"].numpy().sum(1).max() > {8: 0, 16: 8, 32: 16}[width]  # the smallest bucket
        seen += y.numpy().tolist()
    assert sorted(seen) == [0, 1, 2, 3]


def test_classifier_fine_tunes_the_encoder(handles, packed):
    head = keras.Sequential([keras.layers.Dense(4)])
    model = lesson.build_classifier(handles["tfhub_encoder"], head)
    model.compile(keras.optimizers.SGD(0.5), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.numpy() for w in model.get_layer("BERT_encoder").weights]
    model.fit(lesson.bucketed_dataset(packed, np.arange(4), 4, boundaries=[32]), epochs=1, verbose=0)
    assert any(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.get_layer("BERT_encoder").weights))


def test_frozen_head_seconds_trains_both_ways(handles):
    result = lesson.frozen_head_seconds(handles["tfhub_preprocess"], handles["tfhub_encoder"], TEXTS * 2,
                                        [0, 1, 2, 3] * 2, epochs=2, batch_size=4)
    assert len(result["original_history"]["loss"]) == 2 and len(result["head_history"]["loss"]) == 2
    assert result["cached_s"] == pytest.approx(result["encode_s"] + result["head_s"])
    assert min(result["original_s"], result["encode_s"], result["head_s"]) > 0
