"""The two Keras layers of a small transformer encoder, written to be read.

``TokenAndPositionEmbedding`` turns token ids into vectors and adds a learned
position vector; ``TransformerBlock`` is one encoder block (multi-head
self-attention and a feed-forward network, each with a residual connection and
layer normalisation). Both follow the Keras example "Text classification with
Transformer" (the course's seed lesson), with three additions:

* **padding masks**: with ``mask_zero=True`` the embedding tells Keras which
  positions are padding (token id 0). The block turns that mask into an
  attention mask (no real token attends to padding) and passes it on, so that
  ``GlobalAveragePooling1D`` averages over the real tokens only;
* **attention scores**: ``block(x, mask=..., return_attention_scores=True)``
  also returns the attention weights, shape ``(batch, heads, query, key)``,
  for plotting;
* **serialisation**: ``get_config`` and registration, so a model built from
  these layers can be saved and loaded.
"""
import tensorflow as tf
import tf_keras as keras


@keras.utils.register_keras_serializable(package="lesson_utils")
class TokenAndPositionEmbedding(keras.layers.Layer):
    """Token embedding plus learned position embedding: ``E_token[x_i] + E_pos[i]``.

    Input: token ids ``(batch, length)`` with ``length <= maxlen`` (0 = padding).
    Output: ``(batch, length, embed_dim)``. With ``mask_zero=True`` the layer also
    produces a Keras mask ``ids != 0`` that the following layers receive.
    """

    def __init__(self, maxlen, vocab_size, embed_dim, mask_zero=False, **kwargs):
        super().__init__(**kwargs)
        self.maxlen, self.vocab_size, self.embed_dim = int(maxlen), int(vocab_size), int(embed_dim)
        self.mask_zero = bool(mask_zero)
        self.token_emb = keras.layers.Embedding(vocab_size, embed_dim, name="token_emb")
        self.pos_emb = keras.layers.Embedding(maxlen, embed_dim, name="pos_emb")

    def call(self, inputs, training=None):
        length = tf.shape(inputs)[-1]
        positions = tf.range(start=0, limit=length, delta=1)  # 0, 1, ..., length-1
        return self.token_emb(inputs) + self.pos_emb(positions)  # (batch, length, d) + (length, d)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return tf.not_equal(inputs, 0)  # True = real token, False = padding

    @property
    def position_embeddings(self):
        """The learned position matrix, shape ``(maxlen, embed_dim)``."""
        return self.pos_emb.embeddings

    def get_config(self):
        config = super().get_config()
        config.update(
            maxlen=self.maxlen, vocab_size=self.vocab_size, embed_dim=self.embed_dim, mask_zero=self.mask_zero
        )
        return config


@keras.utils.register_keras_serializable(package="lesson_utils")
class TransformerBlock(keras.layers.Layer):
    """One transformer encoder block (post-norm, as in "Attention Is All You Need")::

        h   = LayerNorm(x + Dropout(MultiHeadAttention(x, x, x)))
        out = LayerNorm(h + Dropout(FFN(h)))        FFN(h) = Dense(embed_dim)(relu(Dense(ff_dim)(h)))

    Input and output: ``(batch, length, embed_dim)``. A Keras mask (``True`` for
    real tokens) becomes the attention mask, so no real token attends to
    padding, and the mask is passed on to the next layers (e.g. the pooling).
    ``key_dim`` is the size of each head; the seed lesson used ``embed_dim``.
    """

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, key_dim=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # the output keeps the input's mask
        self.embed_dim, self.num_heads, self.ff_dim = int(embed_dim), int(num_heads), int(ff_dim)
        self.rate = float(rate)
        self.key_dim = int(key_dim or embed_dim)
        self.att = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=self.key_dim, name="attention")
        self.ffn = keras.Sequential(
            [keras.layers.Dense(ff_dim, activation="relu"), keras.layers.Dense(embed_dim)], name="ffn"
        )
        self.layernorm1 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = keras.layers.Dropout(rate)
        self.dropout2 = keras.layers.Dropout(rate)

    def call(self, inputs, training=None, mask=None, return_attention_scores=False):
        attention_mask = None
        if mask is not None:
            # (batch, length) -> (batch, query, key): True where both tokens are real. Real tokens
            # never look at padding; the rows of padding positions are meaningless (attention
            # spreads evenly there) and the pooling after the block ignores them.
            mask = tf.cast(mask, tf.bool)
            attention_mask = mask[:, :, tf.newaxis] & mask[:, tf.newaxis, :]
        attn_output, scores = self.att(
            inputs, inputs, attention_mask=attention_mask, return_attention_scores=True, training=training
        )
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1, training=training)
        ffn_output = self.dropout2(ffn_output, training=training)
        output = self.layernorm2(out1 + ffn_output)
        if return_attention_scores:
            return output, scores  # scores: (batch, num_heads, length, length)
        return output

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        config = super().get_config()
        config.update(
            embed_dim=self.embed_dim,
            num_heads=self.num_heads,
            ff_dim=self.ff_dim,
            rate=self.rate,
            key_dim=self.key_dim,
        )
        return config
