"""Tests of lesson_utils.hf: batched tokenization into tf.data, dynamic padding, bucketing."""
import lesson_utils  # noqa: F401  (first: selects Keras 2)
import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras
from transformers import BertTokenizerFast

from lesson_utils import hf, training

WORDS = ["the", "cat", "sat", "on", "mat", "dog", "ran", "far", "away", "a", "big", "red", "ball", "."]
TEXTS = [
    "the cat sat",
    "the dog ran far far away .",
    "a big red ball",
    "cat",
    "the cat sat on the mat . the dog ran far away with a big red ball .",
    "dog ran",
    "a red cat sat on a big mat",
    "the ball",
    "far away",
    "the big dog sat on the red mat .",
]
LABELS = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0, 1])


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    vocab = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS) + "\n")
    return BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)


def reference_ids(tokenizer, texts, max_length=128):
    return [tokenizer(t, truncation=True, max_length=max_length)["input_ids"] for t in texts]


def unpad(features):
    """Rows of a batch without their padding, as lists."""
    ids, mask = features["input_ids"].numpy(), features["attention_mask"].numpy()
    return [row[m == 1].tolist() for row, m in zip(ids, mask)]


def test_dynamic_padding_pads_each_batch_to_its_longest(tokenizer):
    ds = hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS, batch_size=4)
    expected = reference_ids(tokenizer, TEXTS)
    rows, labels = [], []
    for features, y in ds:
        assert set(features) == set(hf.FEATURES)
        lengths = features["attention_mask"].numpy().sum(axis=1)
        assert features["input_ids"].shape[1] == lengths.max()  # padded to the batch's longest
        assert features["input_ids"].dtype == tf.int32
        assert np.all(features["token_type_ids"].numpy() == 0)
        ids = features["input_ids"].numpy()
        assert np.all(ids[features["attention_mask"].numpy() == 0] == tokenizer.pad_token_id)
        rows += unpad(features)
        labels += y.numpy().tolist()
    assert rows == expected  # same tokens, same order as the tokenizer's own output
    assert labels == LABELS.tolist()
    assert [len(f["input_ids"]) for f, _ in ds] == [4, 4, 2]


def test_fixed_padding_like_the_seed(tokenizer):
    ds = hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS, batch_size=4, max_length=12, pad_to=16)
    for features, _ in ds:
        assert features["input_ids"].shape[1] == 16
        assert features["attention_mask"].shape[1] == 16
    with pytest.raises(ValueError, match="pad_to"):
        hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS, max_length=32, pad_to=16)


def test_truncation_keeps_cls_and_sep(tokenizer):
    ds = hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS, batch_size=10, max_length=6)
    features, _ = next(iter(ds))
    assert features["input_ids"].shape == (10, 6)
    for row in unpad(features):
        assert row[0] == tokenizer.cls_token_id and row[-1] == tokenizer.sep_token_id
        assert len(row) <= 6


def test_bucketing_groups_similar_lengths_and_keeps_every_example(tokenizer):
    boundaries = [5, 8]
    ds = hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS, batch_size=2, bucket_boundaries=boundaries,
                                shuffle=True, seed=3)
    pairs = []
    for features, y in ds:
        lengths = features["attention_mask"].numpy().sum(axis=1)
        buckets = np.searchsorted(boundaries, lengths, side="right")
        assert len(set(buckets)) == 1  # one length interval per batch
        assert features["input_ids"].shape[1] == lengths.max()
        pairs += list(zip(map(tuple, unpad(features)), y.numpy().tolist()))
    expected = list(zip(map(tuple, reference_ids(tokenizer, TEXTS)), LABELS.tolist()))
    assert sorted(pairs) == sorted(expected)  # labels stay with their texts


def test_bucketing_reduces_padding(tokenizer):
    texts = TEXTS * 8
    labels = np.tile(LABELS, 8)
    fixed = hf.padding_fraction(hf.tokenize_to_dataset(tokenizer, texts, labels, batch_size=8, max_length=32,
                                                       pad_to=32))
    dynamic = hf.padding_fraction(hf.tokenize_to_dataset(tokenizer, texts, labels, batch_size=8))
    bucketed = hf.padding_fraction(hf.tokenize_to_dataset(tokenizer, texts, labels, batch_size=8,
                                                          bucket_boundaries=[4, 6, 9, 12]))
    assert fixed > dynamic > bucketed >= 0.0


def test_no_labels_gives_features_only(tokenizer):
    ds = hf.tokenize_to_dataset(tokenizer, TEXTS, batch_size=4)
    batch = next(iter(ds))
    assert isinstance(batch, dict) and set(batch) == set(hf.FEATURES)
    with pytest.raises(ValueError, match="labels"):
        hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS[:3])


def test_tokenizer_called_once_and_no_python_per_example(tokenizer):
    calls = []

    class Counting:
        def __call__(self, texts, **kwargs):
            calls.append(len(texts))
            return tokenizer(texts, **kwargs)

    ds = hf.tokenize_to_dataset(Counting(), TEXTS, LABELS, batch_size=3, shuffle=True,
                                bucket_boundaries=[5])
    list(ds)
    list(ds)  # a second epoch does not tokenize again
    assert calls == [len(TEXTS)]
    graph = ds._as_serialized_graph().numpy()
    assert b"PyFunc" not in graph  # neither py_function nor numpy_function in the pipeline


def test_sequence_lengths(tokenizer):
    lengths = hf.sequence_lengths(tokenizer, TEXTS)
    assert lengths.tolist() == [len(ids) for ids in reference_ids(tokenizer, TEXTS)]
    assert hf.sequence_lengths(tokenizer, TEXTS, max_length=6).max() == 6


def test_count_batches_and_examples(tokenizer):
    ds = hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS, batch_size=4, bucket_boundaries=[5, 8])
    assert hf.count_examples(ds) == len(TEXTS)
    assert hf.count_batches(ds) == sum(1 for _ in ds)


def test_schedule_counted_in_batches_of_the_dataset(tokenizer):
    ds = hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS, batch_size=4)
    epochs = 3
    total = hf.count_batches(ds) * epochs  # 3 batches per epoch
    optimizer = training.adamw_with_warmup(1e-4, total, warmup_fraction=1 / 3)
    schedule = optimizer._learning_rate  # the schedule (optimizer.learning_rate is its current value)
    assert float(schedule(0)) == 0.0
    assert float(schedule(3)) == pytest.approx(1e-4)  # peak after the first epoch's 3 batches
    assert float(schedule(total)) == pytest.approx(0.0, abs=1e-12)


def test_train_throughput_runs_a_keras_model(tokenizer):
    ds = hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS, batch_size=4)
    ids = keras.Input(shape=(None,), dtype=tf.int32, name="input_ids")
    mask = keras.Input(shape=(None,), dtype=tf.int32, name="attention_mask")
    types = keras.Input(shape=(None,), dtype=tf.int32, name="token_type_ids")
    x = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(32, 4)(ids))
    model = keras.Model({"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
                        keras.layers.Dense(4)(x))
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    per_second, seconds = hf.train_throughput(model, ds, steps=4)
    assert per_second > 0 and seconds > 0
    fixed = hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS, batch_size=4, max_length=32, pad_to=32)
    best = hf.compare_train_throughput(model, {"fixed": fixed, "dynamic": ds}, steps=2, rounds=2)
    assert set(best) == {"fixed", "dynamic"} and min(best.values()) > 0


def test_fixed_batches_are_the_same_on_every_pass(tokenizer):
    ds = hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS, batch_size=4, shuffle=True, seed=0)
    fixed = hf.fixed_batches(ds, steps=5)  # 3 batches per pass: the dataset is repeated to give 5
    first = [batch[0]["input_ids"].numpy() for batch in fixed]
    second = [batch[0]["input_ids"].numpy() for batch in fixed]
    assert len(first) == 5
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    reshuffled = [batch[0]["input_ids"].numpy() for batch in ds]  # the source changes from pass to pass
    assert not all(np.array_equal(a, b) for a, b in zip(first, reshuffled))


def test_timing_needs_at_least_one_batch_and_round(tokenizer):
    ds = hf.tokenize_to_dataset(tokenizer, TEXTS, LABELS, batch_size=4)
    with pytest.raises(ValueError, match="steps=0.*steps=1 or more"):
        hf.fixed_batches(ds, steps=0)
    with pytest.raises(ValueError, match="dataset is empty"):
        hf.fixed_batches(ds.take(0), steps=2)
    with pytest.raises(ValueError, match="rounds=0.*rounds=1 or more"):
        hf.compare_train_throughput(None, {"dynamic": ds}, steps=2, rounds=0)
