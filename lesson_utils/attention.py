"""Attention layers of notebook 01, short enough to read in the lesson.

* ``BahdanauAttention``: additive attention (Bahdanau, Cho & Bengio, 2015)::

      e_{t,i}     = v^T tanh(W_q s_t + W_k h_i)        # score of input i for output t
      alpha_{t,i} = exp(e_{t,i}) / sum_j exp(e_{t,j})  # softmax over the inputs
      c_t         = sum_i alpha_{t,i} h_i              # context vector

  Padding positions get a score of -1e9 before the softmax, so their weight is 0.
* ``additive_attention_numpy``, ``scaled_dot_product_attention``: the same
  formulas in NumPy, for checking the layers.
"""
import numpy as np
import tensorflow as tf
import tf_keras as keras

NEG_INF = -1e9


class BahdanauAttention(keras.layers.Layer):
    """Additive attention: returns ``(context (B, Tq, dk), weights (B, Tq, Tk))``.

    ``query``: ``(B, Tq, dq)`` (decoder states), ``keys``: ``(B, Tk, dk)``
    (encoder states, also used as values), ``mask``: ``(B, Tk)`` booleans,
    ``True`` for real tokens and ``False`` for padding.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.W_query = keras.layers.Dense(units, use_bias=False, name="W_query")
        self.W_key = keras.layers.Dense(units, use_bias=False, name="W_key")
        self.v = keras.layers.Dense(1, use_bias=False, name="v")

    def call(self, query, keys, mask=None):
        q = self.W_query(query)[:, :, tf.newaxis, :]        # (B, Tq, 1, units)
        k = self.W_key(keys)[:, tf.newaxis, :, :]           # (B, 1, Tk, units)
        scores = tf.squeeze(self.v(tf.tanh(q + k)), -1)     # (B, Tq, Tk)
        if mask is not None:
            padding = 1.0 - tf.cast(mask, scores.dtype)[:, tf.newaxis, :]
            scores += NEG_INF * padding                     # padding -> weight 0 after softmax
        weights = tf.nn.softmax(scores, axis=-1)            # (B, Tq, Tk), rows sum to 1
        context = tf.matmul(weights, keys)                  # (B, Tq, dk)
        return context, weights

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def softmax_numpy(x, axis=-1):
    x = x - x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def additive_attention_numpy(query, keys, W_query, W_key, v, mask=None):
    """Bahdanau's formula written out in NumPy (same shapes as ``BahdanauAttention``)."""
    scores = np.tanh((query @ W_query)[:, :, None, :] + (keys @ W_key)[:, None, :, :]) @ v
    scores = scores[..., 0]
    if mask is not None:
        scores = np.where(mask[:, None, :], scores, NEG_INF)
    weights = softmax_numpy(scores)
    return weights @ keys, weights


def scaled_dot_product_attention(Q, K, V, mask=None):
    """``softmax(Q K^T / sqrt(d)) V`` in NumPy: ``(output, weights)``."""
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, NEG_INF)
    weights = softmax_numpy(scores)
    return weights @ V, weights
