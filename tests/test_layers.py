"""Tests of lesson_utils.layers (TokenAndPositionEmbedding, TransformerBlock) and lesson_utils.scratch."""
import lesson_utils  # noqa: F401  (first: Keras 2)
import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from lesson_utils import scratch
from lesson_utils.layers import TokenAndPositionEmbedding, TransformerBlock

IDS = np.array([[5, 9, 3, 7, 0, 0, 0, 0], [4, 2, 0, 0, 0, 0, 0, 0]], dtype=np.int64)
REAL = IDS != 0
SMALL = dict(vocab_size=50, maxlen=12, embed_dim=16, num_heads=2, ff_dim=8, hidden_units=6)


def setup_function(_):
    keras.utils.set_random_seed(0)


def test_embedding_shape_and_mask():
    layer = TokenAndPositionEmbedding(maxlen=12, vocab_size=50, embed_dim=16, mask_zero=True)
    out = layer(IDS)
    assert out.shape == (2, 8, 16)
    np.testing.assert_array_equal(layer.compute_mask(IDS).numpy(), REAL)
    assert layer.position_embeddings.shape == (12, 16)
    assert TokenAndPositionEmbedding(12, 50, 16).compute_mask(IDS) is None  # seed: no mask


def test_embedding_adds_position():
    layer = TokenAndPositionEmbedding(maxlen=12, vocab_size=50, embed_dim=16)
    same_token = layer(np.full((1, 4), 7)).numpy()[0]
    expected = layer.token_emb.embeddings.numpy()[7] + layer.position_embeddings.numpy()[:4]
    np.testing.assert_allclose(same_token, expected, rtol=1e-6)


def test_block_shapes_and_scores():
    block = TransformerBlock(embed_dim=16, num_heads=2, ff_dim=8)
    x = tf.random.normal((2, 8, 16))
    assert block(x).shape == (2, 8, 16)
    out, scores = block(x, mask=REAL, return_attention_scores=True)
    assert out.shape == (2, 8, 16)
    assert scores.shape == (2, 2, 8, 8)  # (batch, heads, query, key)
    np.testing.assert_allclose(scores.numpy().sum(-1), 1.0, rtol=1e-5)
    # Real tokens (queries) give no attention at all to padding (keys).
    s = scores.numpy()
    assert np.all(s[0][:, :4, 4:] == 0.0) and np.all(s[1][:, :2, 2:] == 0.0)
    assert np.all(s[0][:, :4, :4] > 0.0)


def test_block_mask_from_embedding():
    """The Keras mask set by the embedding (``_keras_mask``) gives the same result as an explicit one."""
    embedding = TokenAndPositionEmbedding(maxlen=12, vocab_size=50, embed_dim=16, mask_zero=True)
    block = TransformerBlock(embed_dim=16, num_heads=2, ff_dim=8)
    x = embedding(IDS)
    out, scores = block(x, mask=embedding.compute_mask(IDS), return_attention_scores=True)
    plain = tf.identity(x)  # no _keras_mask attached
    out2, scores2 = block(plain, mask=REAL, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), out2.numpy(), atol=1e-6)
    np.testing.assert_allclose(scores.numpy(), scores2.numpy(), atol=1e-6)
    assert np.all(scores.numpy()[0][:, :4, 4:] == 0.0)


def test_padding_changes_nothing_for_real_tokens():
    block = TransformerBlock(embed_dim=16, num_heads=2, ff_dim=8)
    x = tf.random.normal((2, 8, 16))
    noise = tf.random.normal((2, 8, 16)) * 10.0
    x_other_padding = tf.where(REAL[..., None], x, noise)  # same real tokens, other padding vectors
    a = block(x, mask=REAL).numpy()
    b = block(x_other_padding, mask=REAL).numpy()
    np.testing.assert_allclose(a[REAL], b[REAL], atol=1e-5)
    # Without the mask the padding leaks into every position.
    assert not np.allclose(block(x).numpy()[REAL], block(x_other_padding).numpy()[REAL], atol=1e-3)


def test_more_padding_changes_nothing_end_to_end():
    """Masked model: the same text padded to 8 or to 12 gives the same output; the seed's does not."""
    longer = np.pad(IDS, ((0, 0), (0, 4)))
    masked = scratch.build_classifier(**SMALL, mask_padding=True)
    np.testing.assert_allclose(masked(IDS).numpy(), masked(longer).numpy(), atol=1e-6)
    embedding, block = masked.get_layer("embedding"), masked.get_layer("transformer_block")
    h8 = block(embedding(IDS), mask=embedding.compute_mask(IDS)).numpy()
    h12 = block(embedding(longer), mask=embedding.compute_mask(longer)).numpy()
    np.testing.assert_allclose(h8[REAL], h12[:, :8][REAL], atol=1e-5)
    seed = scratch.build_classifier(**SMALL, mask_padding=False)
    assert not np.allclose(seed(IDS).numpy(), seed(longer).numpy(), atol=1e-6)


def test_layer_configs_round_trip():
    emb = TokenAndPositionEmbedding(12, 50, 16, mask_zero=True, name="e")
    block = TransformerBlock(16, 2, 8, rate=0.2, key_dim=4, name="b")
    for layer in (emb, block):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()
    assert keras.utils.get_registered_name(TransformerBlock) == "lesson_utils>TransformerBlock"


@pytest.mark.parametrize("mask_padding", [False, True])
def test_model_saves_and_loads(tmp_path, mask_padding):
    model = scratch.compile_classifier(scratch.build_classifier(**SMALL, mask_padding=mask_padding), 1e-3, 10)
    model.fit(IDS, np.array([0, 1]), epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(IDS, verbose=0), model.predict(IDS, verbose=0), atol=1e-6)
    assert isinstance(loaded.get_layer("transformer_block"), TransformerBlock)
    assert loaded.get_layer("embedding").mask_zero is mask_padding


def test_quantile_maxlen_and_timer():
    assert scratch.length_quantile_maxlen([10] * 98 + [60, 130], coverage=0.99, multiple=8) == 64
    assert scratch.length_quantile_maxlen([3, 4], coverage=0.99, multiple=8) == 8
    timer = scratch.EpochTimer()
    timer.seconds = [5.0, 2.0, 2.0]
    assert timer.summary(100) == {"epoch_seconds": 2.0, "examples_per_second": 50.0}


def test_train_and_measure_runs():
    ds = tf.data.Dataset.from_tensor_slices((np.tile(IDS, (8, 1)), np.tile([0, 1], 8))).batch(4)
    model, history, result = scratch.train_and_measure(
        scratch.lesson_config(12, **{k: v for k, v in SMALL.items() if k != "maxlen"}), ds, ds, 16, 2, schedule=True
    )
    assert len(history.history["val_accuracy"]) == 2
    assert set(result) == {"epoch_seconds", "examples_per_second", "test_accuracy"}
    assert result["examples_per_second"] > 0
