"""Notebook 02's saved code: the two layers, the padding mask, the classifier, the GRU/transformer timing."""
import lesson_utils  # noqa: F401  (first: Keras 2)
import numpy as np
import tensorflow as tf
import tf_keras as keras

from lesson_utils.transformer_dari_nol import TokenAndPositionEmbedding, TransformerBlock, build_classifier, step_times

IDS = np.array([[5, 9, 3, 7, 0, 0, 0, 0], [4, 2, 0, 0, 0, 0, 0, 0]], dtype=np.int64)
REAL = IDS != 0
SMALL = dict(vocab_size=50, maxlen=12, embed_dim=16, num_heads=2, ff_dim=8, hidden_units=6)


def setup_function(_):
    keras.utils.set_random_seed(0)


def test_embedding_adds_position_and_gives_the_mask():
    layer = TokenAndPositionEmbedding(maxlen=12, vocab_size=50, embed_dim=16, mask_zero=True)
    assert layer(IDS).shape == (2, 8, 16)
    np.testing.assert_array_equal(layer.compute_mask(IDS).numpy(), REAL)
    same_token = layer(np.full((1, 4), 7)).numpy()[0]
    expected = layer.token_emb.embeddings.numpy()[7] + layer.pos_emb.embeddings.numpy()[:4]
    np.testing.assert_allclose(same_token, expected, rtol=1e-6)
    assert TokenAndPositionEmbedding(12, 50, 16).compute_mask(IDS) is None  # the original lesson: no mask


def test_block_gives_padding_no_attention_and_padding_changes_nothing():
    block = TransformerBlock(embed_dim=16, num_heads=2, ff_dim=8)
    x = tf.random.normal((2, 8, 16))
    out, scores = block(x, mask=REAL, return_attention_scores=True)
    s = scores.numpy()
    assert s.shape == (2, 2, 8, 8)
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-5)
    assert np.all(s[0][:, :4, 4:] == 0.0) and np.all(s[1][:, :2, 2:] == 0.0) and np.all(s[0][:, :4, :4] > 0)
    noise = tf.where(REAL[..., None], x, tf.random.normal((2, 8, 16)) * 10.0)  # other padding vectors
    np.testing.assert_allclose(block(x, mask=REAL).numpy()[REAL], block(noise, mask=REAL).numpy()[REAL], atol=1e-5)
    assert not np.allclose(block(x).numpy()[REAL], block(noise).numpy()[REAL], atol=1e-3)


def test_masked_classifier_ignores_the_amount_of_padding_and_the_original_does_not():
    longer = np.pad(IDS, ((0, 0), (0, 4)))
    masked = build_classifier(**SMALL, mask_padding=True)
    np.testing.assert_allclose(masked(IDS).numpy(), masked(longer).numpy(), atol=1e-6)
    original = build_classifier(**SMALL, mask_padding=False)
    assert not np.allclose(original(IDS).numpy(), original(longer).numpy(), atol=1e-6)


def test_model_saves_and_loads(tmp_path):
    model = build_classifier(**SMALL, mask_padding=True)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(IDS, np.array([0, 1]), epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.predict(IDS, verbose=0), model.predict(IDS, verbose=0), atol=1e-6)
    assert isinstance(loaded.get_layer("transformer_block"), TransformerBlock)
    assert loaded.get_layer("embedding").mask_zero is True


def test_step_times_has_one_time_per_layer_and_length():
    times = step_times([4, 8], d_model=8, batch_size=2)
    assert set(times) == {"GRU", "transformer"}
    assert all(len(v) == 2 and min(v) > 0 for v in times.values())
