"""BERT in a few Keras layers, loaded with real pretrained weights.

This is what is inside the offline TF Hub encoder that the BERT lessons use
(see ``lesson_utils.pretrained``; built by ``lesson_utils._offline.prepare``). It is the encoder of "Attention Is All You
Need" as BERT uses it:

* ``BertEmbeddings``: word + position + segment (token type) embeddings,
  then LayerNorm and dropout;
* ``TransformerEncoderBlock`` (x ``num_layers``): multi-head self-attention
  and a position-wise feed-forward network (GELU), each followed by dropout,
  a residual connection and LayerNorm ("post-LayerNorm", as in BERT);
* a pooler: a dense ``tanh`` layer on the first token (``[CLS]``).

The pooler's weights come from the checkpoint too. (In ``all-MiniLM-L6-v2``,
the offline default, they are MiniLM's: sentence-transformers trained the
encoder with mean pooling and left the pooler as it was, so ``pooled_output``
is a good start for fine-tuning rather than a ready-made sentence embedding.)

``load_hf_weights`` copies the weights of a HuggingFace BERT checkpoint
(``model.safetensors``) into these layers, ``export_hub_encoder`` and
``export_hub_preprocessor`` save TF2 SavedModels that ``hub.KerasLayer``
loads like the TF Hub BERT models.

Import ``lesson_utils`` before this module (it selects Keras 2).
"""
import tensorflow as tf
import tf_keras as keras

# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------


def gelu(x):
    """GELU with the exact erf formula, as HuggingFace's ``"gelu"``."""
    return keras.activations.gelu(x, approximate=False)


class BertEmbeddings(keras.layers.Layer):
    """Sum of word, position and token-type embeddings, then LayerNorm and dropout."""

    def __init__(self, vocab_size, hidden_size, max_position, type_vocab_size,
                 dropout, layer_norm_eps, **kwargs):
        super().__init__(**kwargs)
        self.word_embeddings = keras.layers.Embedding(vocab_size, hidden_size, name="word_embeddings")
        self.position_embeddings = keras.layers.Embedding(max_position, hidden_size, name="position_embeddings")
        self.token_type_embeddings = keras.layers.Embedding(type_vocab_size, hidden_size,
                                                            name="token_type_embeddings")
        self.layer_norm = keras.layers.LayerNormalization(epsilon=layer_norm_eps, name="layer_norm")
        self.dropout = keras.layers.Dropout(dropout)

    def call(self, word_ids, type_ids, training=False):
        positions = tf.range(tf.shape(word_ids)[1])[tf.newaxis, :]  # [1, T]
        x = (self.word_embeddings(word_ids)
             + self.position_embeddings(positions)
             + self.token_type_embeddings(type_ids))
        return self.dropout(self.layer_norm(x), training=training)


class TransformerEncoderBlock(keras.layers.Layer):
    """Self-attention + feed-forward network, each with residual and post-LayerNorm."""

    def __init__(self, hidden_size, num_heads, intermediate_size, dropout,
                 attention_dropout, layer_norm_eps, **kwargs):
        super().__init__(**kwargs)
        self.attention = keras.layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=hidden_size // num_heads,
            dropout=attention_dropout, name="attention")
        self.attention_dropout = keras.layers.Dropout(dropout)
        self.attention_norm = keras.layers.LayerNormalization(epsilon=layer_norm_eps, name="attention_norm")
        self.intermediate = keras.layers.Dense(intermediate_size, activation=gelu, name="intermediate")
        self.output_dense = keras.layers.Dense(hidden_size, name="output_dense")
        self.output_dropout = keras.layers.Dropout(dropout)
        self.output_norm = keras.layers.LayerNormalization(epsilon=layer_norm_eps, name="output_norm")

    def call(self, x, attention_mask, training=False):
        # attention_mask: [B, 1, T], True where a key position is a real token.
        attended = self.attention(x, x, attention_mask=attention_mask, training=training)
        x = self.attention_norm(x + self.attention_dropout(attended, training=training))
        ffn = self.output_dense(self.intermediate(x))
        return self.output_norm(x + self.output_dropout(ffn, training=training))


class BertEncoder(keras.Model):
    """The BERT encoder, with the inputs and outputs of the TF Hub BERT encoders.

    Inputs: a dict of ``input_word_ids``, ``input_mask``, ``input_type_ids``
    (``int32``, ``[batch, seq_length]``). Outputs: a dict of
    ``sequence_output`` ``[B, T, H]``, ``pooled_output`` ``[B, H]``,
    ``encoder_outputs`` (one ``[B, T, H]`` per block) and ``default``
    (= ``pooled_output``).
    """

    def __init__(self, vocab_size=30522, hidden_size=384, num_layers=6, num_heads=12,
                 intermediate_size=1536, max_position=512, type_vocab_size=2,
                 dropout=0.1, attention_dropout=0.1, layer_norm_eps=1e-12, **kwargs):
        super().__init__(**kwargs)
        self.embeddings = BertEmbeddings(vocab_size, hidden_size, max_position, type_vocab_size,
                                         dropout, layer_norm_eps, name="embeddings")
        self.blocks = [
            TransformerEncoderBlock(hidden_size, num_heads, intermediate_size, dropout,
                                    attention_dropout, layer_norm_eps, name=f"block_{i}")
            for i in range(num_layers)]
        self.pooler = keras.layers.Dense(hidden_size, activation="tanh", name="pooler")

    def call(self, inputs, training=False):
        word_ids = inputs["input_word_ids"]
        type_ids = inputs["input_type_ids"]
        attention_mask = tf.cast(inputs["input_mask"], tf.bool)[:, tf.newaxis, :]  # [B, 1, T]
        x = self.embeddings(word_ids, type_ids, training=training)
        encoder_outputs = []
        for block in self.blocks:
            x = block(x, attention_mask, training=training)
            encoder_outputs.append(x)
        pooled = self.pooler(x[:, 0, :])  # the [CLS] token
        return {"sequence_output": x, "pooled_output": pooled,
                "encoder_outputs": encoder_outputs, "default": pooled}


def encoder_from_hf_config(config):
    """A ``BertEncoder`` with the sizes of a HuggingFace BERT ``config.json`` (a dict)."""
    if config.get("model_type", "bert") != "bert" or config.get("hidden_act", "gelu") != "gelu":
        raise ValueError(
            f"Expected a BERT config with hidden_act 'gelu', got model_type={config.get('model_type')!r}, "
            f"hidden_act={config.get('hidden_act')!r}. Use a HuggingFace BERT checkpoint.")
    return BertEncoder(
        vocab_size=config["vocab_size"], hidden_size=config["hidden_size"],
        num_layers=config["num_hidden_layers"], num_heads=config["num_attention_heads"],
        intermediate_size=config["intermediate_size"],
        max_position=config["max_position_embeddings"], type_vocab_size=config["type_vocab_size"],
        dropout=config["hidden_dropout_prob"], attention_dropout=config["attention_probs_dropout_prob"],
        layer_norm_eps=config["layer_norm_eps"])


# ---------------------------------------------------------------------------
# Pretrained weights from a HuggingFace checkpoint
# ---------------------------------------------------------------------------


def _dense(layer, weights, name, kernel_shape=None, bias_shape=None):
    """Copy a PyTorch ``nn.Linear`` (weight ``[out, in]``) into a Keras dense layer."""
    kernel = weights[name + ".weight"].T  # Keras stores kernels as [in, out]
    bias = weights[name + ".bias"]
    layer.kernel.assign(kernel.reshape(kernel_shape or kernel.shape))
    layer.bias.assign(bias.reshape(bias_shape or bias.shape))


def _layer_norm(layer, weights, name):
    layer.gamma.assign(weights[name + ".weight"])
    layer.beta.assign(weights[name + ".bias"])


def load_hf_weights(encoder, weights):
    """Copy HuggingFace BERT weights (a dict of NumPy arrays) into a ``BertEncoder``.

    ``weights`` uses the names of ``BertModel`` without a prefix
    (``embeddings.word_embeddings.weight``, ``encoder.layer.0.attention.self.query.weight``,
    ...), as ``lesson_utils._offline.prepare.read_source`` returns them.
    """
    missing = [k for k in ("embeddings.word_embeddings.weight", "pooler.dense.weight") if k not in weights]
    if missing:
        raise KeyError(f"Not a HuggingFace BERT checkpoint: missing {missing}.")
    # Build the layers (create their variables) with a dummy batch.
    dummy = tf.ones([1, 2], tf.int32)
    encoder({"input_word_ids": dummy, "input_mask": dummy, "input_type_ids": 0 * dummy})

    emb = encoder.embeddings
    emb.word_embeddings.embeddings.assign(weights["embeddings.word_embeddings.weight"])
    emb.position_embeddings.embeddings.assign(weights["embeddings.position_embeddings.weight"])
    emb.token_type_embeddings.embeddings.assign(weights["embeddings.token_type_embeddings.weight"])
    _layer_norm(emb.layer_norm, weights, "embeddings.LayerNorm")

    for i, block in enumerate(encoder.blocks):
        p = f"encoder.layer.{i}."
        mha = block.attention
        heads, head_dim = mha.get_config()["num_heads"], mha.get_config()["key_dim"]
        hidden = heads * head_dim
        # Keras MultiHeadAttention keeps the heads as a separate axis.
        for keras_dense, hf_name in ((mha._query_dense, "query"), (mha._key_dense, "key"),
                                     (mha._value_dense, "value")):
            _dense(keras_dense, weights, p + "attention.self." + hf_name,
                   kernel_shape=(hidden, heads, head_dim), bias_shape=(heads, head_dim))
        _dense(mha._output_dense, weights, p + "attention.output.dense",
               kernel_shape=(heads, head_dim, hidden))
        _layer_norm(block.attention_norm, weights, p + "attention.output.LayerNorm")
        _dense(block.intermediate, weights, p + "intermediate.dense")
        _dense(block.output_dense, weights, p + "output.dense")
        _layer_norm(block.output_norm, weights, p + "output.LayerNorm")

    _dense(encoder.pooler, weights, "pooler.dense")
    return encoder


def load_encoder(config, weights):
    """A ``BertEncoder`` of a HuggingFace ``config`` (a dict) holding ``weights`` (normalised names)."""
    return load_hf_weights(encoder_from_hf_config(config), weights)


# ---------------------------------------------------------------------------
# Export as TF Hub-style SavedModels
# ---------------------------------------------------------------------------

INPUT_NAMES = ("input_word_ids", "input_mask", "input_type_ids")


def export_hub_encoder(encoder, export_dir):
    """Save ``encoder`` as a reusable TF2 SavedModel, like the TF Hub BERT encoders.

    The saved object has what ``hub.KerasLayer`` looks for: ``__call__(inputs,
    training)``, ``variables``, ``trainable_variables`` and
    ``regularization_losses``.
    """
    spec = {name: tf.TensorSpec([None, None], tf.int32, name=name) for name in INPUT_NAMES}

    @tf.function
    def call(inputs, training=False):
        return encoder(inputs, training=training)

    for training in (False, True):  # trace both modes, for fine-tuning and inference
        call.get_concrete_function(spec, training=training)

    # A plain trackable object to hang attributes on. The Keras model itself is not
    # attached (only its variables): Keras would save a traced function per layer.
    hub_module = tf.train.Checkpoint()
    hub_module.__call__ = call
    hub_module.variables = list(encoder.variables)
    hub_module.trainable_variables = list(encoder.trainable_variables)
    hub_module.regularization_losses = []
    tf.saved_model.save(hub_module, export_dir)


class BertPreprocessor(tf.Module):
    """Strings -> BERT inputs, with the API of TF Hub's ``bert_en_uncased_preprocess``.

    * ``__call__(strings)``: a dict of ``input_word_ids``, ``input_mask``,
      ``input_type_ids`` (``int32``, ``[batch, 128]``);
    * ``tokenize(strings)``: word pieces, a ``RaggedTensor`` ``[batch, words, pieces]``;
    * ``bert_pack_inputs(segments, seq_length=128)``: packs a list of tokenized
      segments (one sentence, or a pair) into the dict above.
    """

    def __init__(self, vocab_file, lower_case=True, seq_length=128):
        super().__init__()
        import tensorflow_text as text

        self.tokenizer = text.BertTokenizer(vocab_file, lower_case=lower_case)  # vocab saved as an asset
        with open(vocab_file, encoding="utf-8") as f:
            vocab = [line.rstrip("\n") for line in f]
        self.cls_id, self.sep_id = vocab.index("[CLS]"), vocab.index("[SEP]")
        self.seq_length = seq_length

    def _tokenize(self, strings):
        return tf.cast(self.tokenizer.tokenize(strings), tf.int32)

    def _bert_pack_inputs(self, segments, seq_length=128):
        import tensorflow_text as text

        # One flat list of word pieces per sentence.
        segments = [s.merge_dims(1, 2) if s.shape.rank == 3 else s for s in segments]
        # Leave room for [CLS] and one [SEP] per segment; the trimmer takes word pieces
        # from the segments in turn, so a long segment is cut before a short one.
        trimmed = text.RoundRobinTrimmer(seq_length - len(segments) - 1).trim(segments)
        word_ids, type_ids = text.combine_segments(trimmed, self.cls_id, self.sep_id)
        word_ids, mask = text.pad_model_inputs(word_ids, seq_length)
        type_ids, _ = text.pad_model_inputs(type_ids, seq_length)
        return {"input_word_ids": tf.cast(word_ids, tf.int32), "input_mask": tf.cast(mask, tf.int32),
                "input_type_ids": tf.cast(type_ids, tf.int32)}

    def _call(self, strings):
        return self._bert_pack_inputs([self._tokenize(strings)], self.seq_length)


def export_hub_preprocessor(vocab_file, export_dir, lower_case=True, max_segments=3):
    """Save a ``BertPreprocessor`` as a TF2 SavedModel with ``tokenize`` and ``bert_pack_inputs``.

    Usage, as with TF Hub::

        preprocess = hub.KerasLayer(export_dir)                 # strings -> dict, length 128
        p = hub.load(export_dir)
        tokenize = hub.KerasLayer(p.tokenize)
        pack = hub.KerasLayer(p.bert_pack_inputs, arguments=dict(seq_length=64))
        inputs = pack([tokenize(premises), tokenize(hypotheses)])
    """
    pre = BertPreprocessor(vocab_file, lower_case=lower_case)
    strings = tf.TensorSpec([None], tf.string)
    pre.__call__ = tf.function(pre._call, input_signature=[strings])

    tokenize = tf.function(pre._tokenize, input_signature=[strings])
    pack = tf.function(pre._bert_pack_inputs)
    words = tf.RaggedTensorSpec([None, None, None], tf.int32, ragged_rank=2)  # from tokenize
    pieces = tf.RaggedTensorSpec([None, None], tf.int32, ragged_rank=1)  # already flat
    for tokens in (words, pieces):
        for n in range(1, max_segments + 1):  # 1, 2 or 3 segments; seq_length a scalar tensor
            pack.get_concrete_function([tokens] * n, tf.TensorSpec([], tf.int32))

    # Sub-objects with their own __call__, so hub.KerasLayer(p.tokenize) works.
    pre.tokenize = tf.train.Checkpoint()
    pre.tokenize.__call__ = tokenize
    pre.bert_pack_inputs = tf.train.Checkpoint()
    pre.bert_pack_inputs.__call__ = pack
    tf.saved_model.save(pre, export_dir)
