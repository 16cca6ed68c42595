"""Unit tests of lesson_utils/gpt_dari_nol.py (notebook 06): causal mask, shifted targets, KV cache, sampling, BPE.

Each mechanism is tested so that the test fails when it is broken (tools/mutations.py checks that):
the causal mask removed, the targets not shifted, the cache reusing stale keys.
"""
import numpy as np
import pytest
import tensorflow as tf

import lesson_utils  # noqa: F401  (quiet TensorFlow first)
from lesson_utils import gpt_dari_nol as g

TEXTS = ["Oil prices rise as demand grows", "Stocks fall as oil prices climb", "The Red Sox win the series",
         "Microsoft shares rise after the report"] * 5
BPE = g.BPEVocab(TEXTS, 300)  # byte-level: the 256 bytes, END_OF_TEXT and a few merges
VOCAB = len(BPE)


@pytest.fixture(scope="module")
def model():
    import keras

    keras.utils.set_random_seed(0)
    m = g.MiniGPT(VOCAB, max_positions=24, d_model=16, num_heads=4, num_layers=2)
    m(np.zeros((1, 4), np.int32))
    return m


@pytest.fixture(scope="module")
def functions(model):
    return g.decoding_functions(model)


def ids(length, seed=0, batch=1):
    return np.random.default_rng(seed).integers(0, VOCAB, (batch, length)).astype(np.int32)


def test_causal_mask_is_the_lower_triangle_and_shifts_with_the_cache():
    assert np.array_equal(g.causal_mask(5).numpy(), np.tril(np.ones((5, 5), bool)))
    shifted = g.causal_mask(1, 6, offset=3).numpy()  # one query at position 3 with a 6-slot buffer
    assert shifted.tolist() == [[True, True, True, True, False, False]]


def test_combined_mask_hides_padding_and_the_future():
    padding = g.padding_mask(tf.constant([[4, 5, 0]]))
    combined = g.combine_masks(g.causal_mask(3), padding).numpy()[0, 0]
    assert combined.tolist() == [[True, False, False], [True, True, False], [True, True, False]]


def test_a_future_token_does_not_change_earlier_outputs(model):
    x = ids(12)
    y = x.copy()
    y[0, 7] = (y[0, 7] + 1) % VOCAB
    diff = np.abs(model(x) - model(y))
    assert diff[:, :7].max() < 1e-6
    assert diff[:, 7:].max() > 1e-4


def test_attention_weights_are_zero_above_the_diagonal_and_sum_to_one(model):
    _, _, weights = model.forward(ids(9))
    for w in weights:
        w = w.numpy()[0]
        assert np.allclose(w.sum(-1), 1.0, atol=1e-5)
        assert np.all(w[:, np.triu(np.ones((9, 9), bool), k=1)] < 1e-7)


def test_targets_are_the_inputs_shifted_by_one():
    windows = np.arange(12).reshape(2, 6)
    inputs, targets = g.shift_targets(windows)
    assert inputs.shape == targets.shape == (2, 5)
    assert np.array_equal(targets, inputs + 1)
    inputs, targets = g.consecutive_windows(np.arange(11), 5)
    assert np.array_equal(targets, inputs + 1) and targets.ravel().tolist() == list(range(1, 11))


def test_cached_logits_equal_recomputation(model, functions):
    full, step, empty_cache = functions
    x = ids(15)[0]
    reference = model(x[None]).numpy()[0]
    cache = empty_cache()
    for position, token in enumerate(x):
        logits, cache = step(tf.constant([[token]]), cache, tf.constant(position))
        assert np.abs(logits.numpy()[0] - reference[position]).max() < 1e-4, position
        assert np.abs(full(list(x[:position + 1])).numpy()[0] - reference[position]).max() < 1e-4


def test_generation_with_and_without_cache_agrees(model, functions):
    a = g.generate(model, BPE, "Oil prices", 12, greedy=True, functions=functions)
    b = g.generate(model, BPE, "Oil prices", 12, greedy=True, use_cache=False, functions=functions)
    assert a == b
    s1 = g.generate(model, BPE, "Oil prices", 10, top_k=5, seed=3, functions=functions)
    s2 = g.generate(model, BPE, "Oil prices", 10, top_k=5, seed=3, functions=functions)
    assert s1 == s2  # seeded
    prompt_ids = BPE.encode("Oil prices")
    assert g.generate(model, BPE, prompt_ids, 12, greedy=True, functions=functions) == a  # ids work as a prompt


def test_the_cache_is_written_in_place_and_a_new_one_starts_empty(model, functions):
    full, step, empty_cache = functions
    cache = empty_cache()
    _, returned = step(tf.constant([[3]]), cache, tf.constant(0))
    assert returned is cache and np.abs(cache[0][0].numpy()[0, :, 0]).max() > 0  # position 0 holds a key now
    assert np.abs(empty_cache()[0][0].numpy()).max() == 0


def test_sampling_rules():
    logits = np.array([0.0, 3.0, 1.0, 2.0])
    rng = np.random.default_rng(0)
    assert g.next_token(logits, rng, greedy=True) == 1
    assert {g.next_token(logits, rng, top_k=1) for _ in range(20)} == {1}
    assert {g.next_token(logits, rng, top_k=2) for _ in range(200)} == {1, 3}
    assert {g.next_token(logits, rng, top_p=0.5) for _ in range(50)} == {1}  # p(1) is about 0.64
    assert {g.next_token(logits, rng, temperature=0.01) for _ in range(20)} == {1}
    assert len({g.next_token(logits, rng, temperature=5.0) for _ in range(300)}) == 4


@pytest.mark.parametrize("kwargs, words", [
    (dict(prompt=""), "prompt"),
    (dict(prompt=[3, VOCAB]), "outside the vocabulary"),
    (dict(prompt=[-1]), "outside the vocabulary"),
    (dict(prompt=[0.5]), "outside the vocabulary"),
    (dict(temperature=0), "temperature"),
    (dict(temperature=-1.0), "temperature"),
    (dict(top_k=0), "top_k"),
    (dict(top_k=VOCAB + 1), "top_k"),
    (dict(top_p=0.0), "top_p"),
    (dict(max_new_tokens=0), "max_new_tokens"),
    (dict(max_new_tokens=24), "context window"),
])
def test_bad_generation_arguments_are_refused(model, functions, kwargs, words):
    arguments = {"prompt": "Oil", "max_new_tokens": 5, **kwargs}
    with pytest.raises(ValueError, match=words):
        g.generate(model, BPE, functions=functions, **arguments)


def test_byte_level_bpe_encodes_any_text_and_decodes_it_exactly():
    assert 257 <= VOCAB <= 300 and BPE.end_id == BPE.tokenizer.token_to_id(g.END_OF_TEXT)
    for text in ("Oil prices rise", "Harga minyak naik ☺", "  two  spaces\tand a tab"):
        assert BPE.decode(BPE.encode(text)) == text
    assert len(BPE.encode("Oil prices")) < len("Oil prices")  # frequent words are merged into single tokens
    stream = BPE.stream(["a b", "c"])
    assert stream.tolist() == BPE.encode("a b").tolist() + [BPE.end_id] + BPE.encode("c").tolist() + [BPE.end_id]
    with pytest.raises(ValueError, match="outside the vocabulary"):
        BPE.decode([1, VOCAB])
    with pytest.raises(ValueError, match="must be a string"):
        BPE.encode(None)


def test_ngram_baselines():
    train = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    test = np.array([0, 1, 0, 1])
    assert g.ngram_perplexity(train, test, 2, 1) == pytest.approx(2.0)
    bigram = g.ngram_perplexity(train, test, 2, 2)  # p(1|0) = 5/6, p(0|1) = 4/5
    assert bigram == pytest.approx(np.exp(-(2 * np.log(5 / 6) + np.log(4 / 5)) / 3))
    with pytest.raises(ValueError, match="order"):
        g.ngram_perplexity(train, test, 2, 3)


def test_attention_operations_counts():
    cached, full = g.attention_operations(2, 3, True), g.attention_operations(2, 3, False)
    assert cached == {"positions": 4, "dot_products": 3 + 3 + 4}
    assert full == {"positions": 2 + 3 + 4, "dot_products": 3 + 6 + 10}
