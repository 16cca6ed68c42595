"""Tests of the date task, the vocabulary and the two models of notebook 01."""
import lesson_utils  # noqa: F401  (first: sets TF_USE_LEGACY_KERAS)
import datetime

import numpy as np
import pytest

from lesson_utils import seq2seq as s2s


def test_generator_is_deterministic_for_a_seed():
    a = s2s.make_dataset(200, 8, 40, seed=3)
    b = s2s.make_dataset(200, 8, 40, seed=3)
    c = s2s.make_dataset(200, 8, 40, seed=4)
    assert a == b
    assert a != c


def test_targets_are_the_iso_dates_of_the_inputs():
    inputs, targets = s2s.make_dataset(500, 8, 60, seed=0)
    for x, y in zip(inputs, targets):
        date = datetime.date.fromisoformat(y)
        assert s2s.DATE_MIN <= date <= s2s.DATE_MAX
        assert str(date.year) in x  # the year is always written in full
        assert len(y) == s2s.ISO_LENGTH


def test_both_languages_and_several_formats_appear():
    inputs, _ = s2s.make_dataset(2000, 8, 40, seed=0)
    text = " ".join(inputs).lower()
    assert any(m in text for m in ("maret", "agustus", "desember"))
    assert any(m in text for m in ("march", "august", "december"))
    assert "/" in text and "tanggal" in text


@pytest.mark.parametrize("lo, hi", [(8, 20), (30, 40), (100, 160)])
def test_length_control(lo, hi):
    inputs, _ = s2s.make_dataset(300, lo, hi, seed=1)
    lengths = [len(x) for x in inputs]
    assert min(lengths) >= lo and max(lengths) <= hi
    assert max(lengths) - min(lengths) > (hi - lo) // 2  # the range is actually covered


def test_splits_are_disjoint_and_sized():
    sizes = {"train": 1000, "val": 200, "test": 300, "long": 200}
    lengths = {"train": (8, 30), "val": (8, 30), "test": (8, 30), "long": (31, 60)}
    splits = s2s.make_splits(sizes, lengths, seed=0)
    sets = {name: set(x) for name, (x, _) in splits.items()}
    for name, n in sizes.items():
        assert len(splits[name][0]) == len(splits[name][1]) == n
        assert len(sets[name]) == n  # no duplicates inside a split
    names = list(sizes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not sets[a] & sets[b], (a, b)
    assert min(len(x) for x in splits["long"][0]) > max(len(x) for x in splits["train"][0])
    assert splits == s2s.make_splits(sizes, lengths, seed=0)


def test_vocab_round_trip_and_arrays():
    src, tgt = s2s.source_vocab(), s2s.target_vocab()
    assert src.decode(src.encode("Senin, 5 Maret 2021")) == "Senin, 5 Maret 2021"
    assert tgt.decode(tgt.encode("2021-03-05", end=True) + [5, 6]) == "2021-03-05"
    (source, dec_in), dec_out = s2s.to_arrays(["5 mar 2021", "tanggal 1 bulan mei tahun 1999"],
                                             ["2021-03-05", "1999-05-01"], src, tgt)
    assert source.shape == (2, 30) and source[0, 10:].sum() == 0  # padding at the end
    assert dec_in.shape == dec_out.shape == (2, 11)
    assert dec_in[0, 0] == tgt.start_id and dec_out[0, -1] == tgt.end_id
    np.testing.assert_array_equal(dec_in[:, 1:], dec_out[:, :-1])  # shifted by one (teacher forcing)


@pytest.mark.parametrize("attention", [True, False])
def test_models_shapes_and_greedy_decoding(attention):
    src, tgt = s2s.source_vocab(), s2s.target_vocab()
    model = s2s.build_model(attention, len(src), len(tgt), embedding_dim=8, units=16)
    (source, dec_in), dec_out = s2s.to_arrays(["5 mar 2021", "1/2/1999 rapat"], ["2021-03-05", "1999-02-01"],
                                             src, tgt)
    logits = model((source, dec_in))
    assert logits.shape == (2, 11, len(tgt))
    ids, weights = s2s.greedy_decode(model, source, tgt)
    assert ids.shape == (2, 11)
    if attention:
        assert weights.shape == (2, 11, source.shape[1])
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
        assert np.all(weights[1, :, 14:] < 1e-6)  # the shorter input's padding gets no weight
    else:
        assert weights is None


def test_models_have_the_same_sizes_except_the_attention_layer():
    src, tgt = s2s.source_vocab(), s2s.target_vocab()
    with_att = s2s.build_model(True, len(src), len(tgt), embedding_dim=8, units=16)
    without = s2s.build_model(False, len(src), len(tgt), embedding_dim=8, units=16)
    assert with_att.count_params() - without.count_params() == with_att.attention.count_params() == 2 * 16 * 16 + 16


def test_a_short_training_learns_something():
    lesson_utils.set_seed(0)
    src, tgt = s2s.source_vocab(), s2s.target_vocab()
    inputs, targets = s2s.make_dataset(1024, 8, 20, seed=0)
    x, y = s2s.to_arrays(inputs, targets, src, tgt)
    model = s2s.build_model(True, len(src), len(tgt), embedding_dim=16, units=32, learning_rate=1e-2)
    history = model.fit(x, y, batch_size=128, epochs=2, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    correct = s2s.exact_match(model, inputs[:50], targets[:50], src, tgt)
    assert correct.shape == (50,)
    rows = s2s.accuracy_by_length(inputs[:50], correct, s2s.length_buckets(20, 10))
    assert sum(r[2] for r in rows) == 50 and all(0.0 <= r[3] <= 1.0 for r in rows)


def test_length_buckets():
    assert s2s.length_buckets(45, 20) == [(1, 20), (21, 40), (41, 45)]
