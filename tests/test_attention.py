"""Tests of the attention layers of notebook 01."""
import lesson_utils  # noqa: F401  (first: sets TF_USE_LEGACY_KERAS)
import numpy as np
import tensorflow as tf

from lesson_utils.attention import BahdanauAttention, additive_attention_numpy, scaled_dot_product_attention


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(2, 3, 5)).astype("float32")
    keys = rng.normal(size=(2, 4, 6)).astype("float32")
    mask = np.array([[True, True, True, True], [True, True, False, False]])
    return query, keys, mask


def test_shapes_and_weights_sum_to_one():
    query, keys, mask = _inputs()
    layer = BahdanauAttention(7)
    context, weights = layer(query, keys, mask=mask)
    assert context.shape == (2, 3, 6)
    assert weights.shape == (2, 3, 4)
    np.testing.assert_allclose(weights.numpy().sum(-1), 1.0, atol=1e-6)
    assert [w.shape for w in layer.get_weights()] == [(5, 7), (6, 7), (7, 1)]


def test_padding_is_masked():
    query, keys, mask = _inputs()
    layer = BahdanauAttention(7)
    context, weights = layer(query, keys, mask=mask)
    assert np.all(weights.numpy()[1, :, 2:] == 0.0)
    # changing the padded keys changes nothing
    keys2 = keys.copy()
    keys2[1, 2:] = 100.0
    context2, _ = layer(query, keys2, mask=mask)
    np.testing.assert_allclose(context2.numpy()[1], context.numpy()[1], atol=1e-6)
    # without a mask the padding would get weight
    _, unmasked = layer(query, keys)
    assert np.all(unmasked.numpy()[1, :, 2:] > 0.0)


def test_layer_matches_the_numpy_formula():
    query, keys, mask = _inputs(1)
    layer = BahdanauAttention(7)
    context, weights = layer(query, keys, mask=mask)
    W_query, W_key, v = layer.get_weights()
    ref_context, ref_weights = additive_attention_numpy(query, keys, W_query, W_key, v, mask)
    np.testing.assert_allclose(weights.numpy(), ref_weights, atol=1e-5)
    np.testing.assert_allclose(context.numpy(), ref_context, atol=1e-5)


def test_scaled_dot_product_matches_tensorflow():
    rng = np.random.default_rng(0)
    Q, K, V = (rng.normal(size=(2, n, 8)).astype("float32") for n in (3, 5, 5))
    out, weights = scaled_dot_product_attention(Q, K, V)
    ref = tf.nn.softmax(tf.matmul(Q, K, transpose_b=True) / np.sqrt(8.0)) @ V
    np.testing.assert_allclose(out, ref.numpy(), atol=1e-5)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
