"""Notebook 04's saved code: one tokenizer call into tf.data, three kinds of padding, pooled features."""
import lesson_utils  # noqa: F401  (first: Keras 2)
import numpy as np
import pytest
from transformers import BertConfig, BertTokenizerFast, TFBertModel

from lesson_utils import bert_huggingface as lesson

WORDS = ["the", "cat", "sat", "on", "mat", "dog", "ran", "far", "away", "a", "big", "red", "ball", "."]
TEXTS = ["the cat sat", "the dog ran far far away .", "a big red ball", "cat",
         "the cat sat on the mat . the dog ran far away with a big red ball .", "dog ran", "a red cat sat on a big mat",
         "the ball", "far away", "the big dog sat on the red mat ."]
LABELS = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0, 1])


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    vocab = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS) + "\n")
    return BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)


def rows(features):
    ids, mask = features["input_ids"].numpy(), features["attention_mask"].numpy()
    return [tuple(row[m == 1].tolist()) for row, m in zip(ids, mask)]


def reference(tokenizer, max_length):
    return [tuple(tokenizer(t, truncation=True, max_length=max_length)["input_ids"]) for t in TEXTS]


@pytest.mark.parametrize("padding", lesson.PADDINGS)
def test_every_padding_keeps_every_text_with_its_label(tokenizer, padding):
    ds = lesson.tokenize_to_dataset(tokenizer, TEXTS, LABELS, 4, max_length=12, padding=padding, shuffle=True)
    pairs = []
    for features, y in ds:
        assert features["input_ids"].dtype == "int32" and not features["token_type_ids"].numpy().any()
        np.testing.assert_array_equal(features["attention_mask"].numpy(), features["input_ids"].numpy() != 0)
        pairs += list(zip(rows(features), y.numpy().tolist()))
    assert sorted(pairs) == sorted(zip(reference(tokenizer, 12), LABELS.tolist()))


def test_the_batch_lengths_of_each_padding(tokenizer):
    def widths(padding, max_length=20):
        ds = lesson.tokenize_to_dataset(tokenizer, TEXTS, LABELS, 4, max_length, padding)
        return [(int(f["input_ids"].shape[1]), int(f["attention_mask"].numpy().sum(1).max())) for f, _ in ds]

    assert all(w == 20 for w, _ in widths("fixed"))
    assert all(w == longest for w, longest in widths("dynamic"))
    assert all(w in (16, 20) and longest <= w and (w == 20 or longest > 0) for w, longest in widths("bucket"))
    assert [f["input_ids"].shape[1] for f, _ in lesson.tokenize_to_dataset(tokenizer, TEXTS, LABELS, 4, 20,
                                                                            "dynamic")] == [9, 20, 11]
    with pytest.raises(ValueError, match="padding='exact'.*fixed"):
        lesson.tokenize_to_dataset(tokenizer, TEXTS, LABELS, 4, 20, "exact")


def test_tokenizer_called_once_and_no_python_per_example(tokenizer):
    calls = []

    class Counting:
        def __call__(self, texts, **kwargs):
            calls.append(len(texts))
            return tokenizer(texts, **kwargs)

    ds = lesson.tokenize_to_dataset(Counting(), TEXTS, LABELS, 3, 16, "bucket", shuffle=True)
    list(ds)
    list(ds)  # a second epoch does not tokenize again
    assert calls == [len(TEXTS)]
    assert b"PyFunc" not in ds._as_serialized_graph().numpy()


def test_pooled_features_are_the_encoders_pooler_output_in_order(tokenizer):
    config = BertConfig(vocab_size=len(WORDS) + 5, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=16, max_position_embeddings=32)
    model = TFBertModel(config)
    model.bert = model.bert  # TFBertForSequenceClassification and TFBertModel both have .bert
    features = lesson.pooled_features(model, tokenizer, TEXTS, 16, batch_size=3)
    assert features.shape == (10, 8) and features.dtype == np.float32
    for i, text in enumerate(TEXTS):  # batches are taken in order of length: each row must come back in place
        one = tokenizer([text], return_tensors="tf")
        np.testing.assert_allclose(features[i], model.bert(dict(one), training=False).pooler_output.numpy()[0],
                                   atol=1e-4)  # batched vs single: float32 sums in another order
