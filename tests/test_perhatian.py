"""Notebook 01's saved code (lesson_utils.perhatian) and its date task (lesson_utils.dates)."""
import datetime

import lesson_utils  # noqa: F401  (first: Keras 2)
import numpy as np
import pytest
import tensorflow as tf

from lesson_utils import dates
from lesson_utils.perhatian import NEG_INF, BahdanauAttention, Seq2Seq, greedy_decode, translate


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(2, 3, 5)).astype("float32"), rng.normal(size=(2, 4, 6)).astype("float32"),
            np.array([[True, True, True, True], [True, True, False, False]]))


def additive_attention(query, keys, W_query, W_key, v, mask):
    """Bahdanau et al.'s formula written independently of the layer."""
    scores = (np.tanh((query @ W_query)[:, :, None, :] + (keys @ W_key)[:, None, :, :]) @ v)[..., 0]
    scores = np.where(mask[:, None, :], scores, NEG_INF)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    return weights @ keys, weights


def test_attention_matches_the_formula_and_masks_padding():
    query, keys, mask = _inputs()
    layer = BahdanauAttention(7)
    context, weights = layer(query, keys, mask=mask)
    ref_context, ref_weights = additive_attention(query, keys, *layer.get_weights(), mask)
    np.testing.assert_allclose(weights.numpy(), ref_weights, atol=1e-5)
    np.testing.assert_allclose(context.numpy(), ref_context, atol=1e-5)
    assert np.all(weights.numpy()[1, :, 2:] == 0.0)
    keys2 = keys.copy()
    keys2[1, 2:] = 100.0  # other padding vectors change nothing
    np.testing.assert_allclose(layer(query, keys2, mask=mask)[0].numpy()[1], context.numpy()[1], atol=1e-6)
    assert np.all(layer(query, keys)[1].numpy()[1, :, 2:] > 0.0)  # without a mask padding gets weight


def small_model(attention):
    src, tgt = dates.source_vocab(), dates.target_vocab()
    lesson_utils.set_seed(0)
    model = Seq2Seq(len(src), len(tgt), 8, 16, attention=BahdanauAttention(16) if attention else None)
    (source, previous), _ = dates.to_arrays(["5 mar 2021", "1/2/1999 rapat"], ["2021-03-05", "1999-02-01"], src, tgt)
    model((source, previous))
    return model, source, previous, tgt


def test_without_attention_the_context_is_the_last_encoder_state_at_every_step():
    model, source, previous, _ = small_model(attention=False)
    states, last_state, mask = model.encode(source)
    outputs, _ = model.decoder_gru(model.tgt_embedding(previous), initial_state=last_state)
    context = np.repeat(last_state.numpy()[:, None, :], outputs.shape[1], axis=1)
    expected = model.output_layer(model.combine(np.concatenate([outputs.numpy(), context], -1)))
    np.testing.assert_allclose(model((source, previous)).numpy(), expected.numpy(), atol=1e-5)
    # h_T is the state after the last *real* character: padding does not move it
    padded = np.pad(source, ((0, 0), (0, 5)))
    np.testing.assert_allclose(model.encode(padded)[1].numpy(), last_state.numpy(), atol=1e-6)


def test_attention_is_a_pluggable_layer_and_greedy_decoding_returns_its_weights():
    calls = []

    class Uniform(tf.keras.layers.Layer):  # any layer with the call signature works
        def call(self, query, keys, mask=None):
            calls.append(1)
            weights = tf.cast(mask, tf.float32)[:, None, :] * tf.ones_like(query[..., :1])
            weights /= tf.reduce_sum(weights, -1, keepdims=True)
            return tf.matmul(weights, keys), weights

    src, tgt = dates.source_vocab(), dates.target_vocab()
    model = Seq2Seq(len(src), len(tgt), 8, 16, attention=Uniform())
    source = src.encode_batch(["5 mar 2021", "1/2/1999 rapat"])
    ids, weights = greedy_decode(model, source, tgt)
    assert calls and ids.shape == (2, 11) and weights.shape == (2, 11, source.shape[1])
    np.testing.assert_allclose(weights[0, :, :10], 0.1, atol=1e-6)  # 10 real characters
    assert np.all(weights[0, :, 10:] == 0)
    model, source, _, tgt = small_model(attention=True)
    ids, weights = greedy_decode(model, source, tgt)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    assert np.all(weights[0, :, 10:] < 1e-6)
    assert greedy_decode(small_model(attention=False)[0], source, tgt)[1] is None


def test_a_short_training_learns_the_task():
    src, tgt = dates.source_vocab(), dates.target_vocab()
    inputs, targets = dates.generate(2048, 8, 16, seed=0)
    x, y = dates.to_arrays(inputs, targets, src, tgt)
    lesson_utils.set_seed(0)
    model = Seq2Seq(len(src), len(tgt), 16, 32, attention=BahdanauAttention(32))
    model.compile(tf.keras.optimizers.Adam(1e-2),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=128, epochs=3, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    predicted = translate(model, inputs[:64], src, tgt)
    iso_shaped = [len(p) == 10 and p[4] == p[7] == "-" for p in predicted]
    assert np.mean(iso_shaped) > 0.8  # greedy decoding already writes YYYY-MM-DD


def test_generator_is_deterministic_and_targets_are_iso_dates():
    assert dates.generate(200, 8, 40, seed=3) == dates.generate(200, 8, 40, seed=3) != dates.generate(200, 8, 40, 4)
    inputs, targets = dates.generate(500, 8, 60, seed=0)
    for x, y in zip(inputs, targets):
        date = datetime.date.fromisoformat(y)
        assert dates.DATE_MIN <= date <= dates.DATE_MAX and str(date.year) in x
    text = " ".join(dates.generate(2000, 8, 40, seed=0)[0]).lower()
    assert "maret" in text and "march" in text and "/" in text and "tanggal" in text


@pytest.mark.parametrize("lo, hi", [(8, 20), (100, 160)])
def test_length_control(lo, hi):
    lengths = [len(x) for x in dates.generate(300, lo, hi, seed=1)[0]]
    assert min(lengths) >= lo and max(lengths) <= hi and max(lengths) - min(lengths) > (hi - lo) // 2


def test_splits_are_disjoint_and_sized():
    sizes = {"train": 500, "val": 100, "test": 100, "long": 100}
    lengths = {"train": (8, 30), "val": (8, 30), "test": (8, 30), "long": (31, 60)}
    splits = dates.make_splits(sizes, lengths, seed=0)
    sets = {name: set(x) for name, (x, _) in splits.items()}
    assert all(len(sets[name]) == n for name, n in sizes.items())
    assert not any(sets[a] & sets[b] for a in sets for b in sets if a < b)


def test_vocab_arrays_are_shifted_for_teacher_forcing():
    src, tgt = dates.source_vocab(), dates.target_vocab()
    assert src.decode(src.encode("Senin, 5 Maret 2021")) == "Senin, 5 Maret 2021"
    (source, dec_in), dec_out = dates.to_arrays(["5 mar 2021", "tanggal 1 bulan mei tahun 1999"],
                                                ["2021-03-05", "1999-05-01"], src, tgt)
    assert source.shape == (2, 30) and source[0, 10:].sum() == 0
    assert dec_in[0, 0] == tgt.start_id and dec_out[0, -1] == tgt.end_id
    np.testing.assert_array_equal(dec_in[:, 1:], dec_out[:, :-1])


def test_length_buckets_and_accuracy_by_length():
    assert dates.length_buckets([8, 16, 24, 40]) == [(8, 16), (17, 24), (25, 40)]
    rows = dates.accuracy_by_length(["a" * 10, "b" * 20, "c" * 22], [True, False, True], [(8, 16), (17, 24), (25, 40)])
    assert rows == [(8, 16, 1, 1.0), (17, 24, 2, 0.5)]
