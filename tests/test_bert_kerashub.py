"""Notebook 05's saved code: sequence length from data, raw-string datasets, the schedule, AdamW, the classifiers."""
import lesson_utils  # noqa: F401  (first: Keras 2 for tf.keras; the module uses Keras 3)
import numpy as np
import pytest

from lesson_utils import bert_kerashub as lesson

keras = lesson.keras


def test_sequence_length_is_the_smallest_multiple_of_8_that_holds_the_percentile():
    lengths = np.arange(1, 101)
    assert lesson.choose_sequence_length(lengths, 95) == 96  # 95.05 -> 96
    assert lesson.choose_sequence_length(lengths, 50) == 56  # 50.5 -> 56, not 48
    assert lesson.choose_sequence_length(np.full(10, 16), 99) == 16  # exact multiples stay
    for percentile in (90, 95, 99):
        length = lesson.choose_sequence_length(lengths, percentile)
        assert length % 8 == 0 and np.mean(lengths <= length) >= percentile / 100
        assert np.mean(lengths <= length - 8) < percentile / 100


def test_dataset_keeps_every_text_with_its_label():
    texts = [f"text number {i}" for i in range(10)]
    labels = np.arange(10) % 4
    for shuffle in (False, True):
        batches = list(lesson.make_dataset(np.array(texts), labels, 4, shuffle=shuffle))
        assert [len(y) for _, y in batches] == [4, 4, 2]
        pairs = [(t.decode(), int(y)) for x, ys in batches for t, y in zip(x.numpy(), ys.numpy())]
        assert sorted(pairs) == sorted(zip(texts, labels.tolist()))
        if not shuffle:
            assert [t for t, _ in pairs] == texts


def test_schedule_warms_up_then_decays_to_zero_in_batches():
    schedule = lesson.WarmupLinearDecay(2e-4, total_steps=50, warmup_steps=5)
    values = np.array([float(schedule(s)) for s in range(51)])
    assert values[0] == 0 and values.argmax() == 5 and np.isclose(values[5], 2e-4)
    assert np.allclose(np.diff(values[:6]), 4e-5) and np.allclose(np.diff(values[5:]), -2e-4 / 45)
    assert values[50] == 0 and float(schedule(80)) == 0  # never negative after the end
    again = lesson.WarmupLinearDecay(**schedule.get_config())
    assert float(again(17)) == float(schedule(17))
    with pytest.raises(ValueError, match="warmup_steps"):
        lesson.WarmupLinearDecay(1.0, total_steps=10, warmup_steps=10)


def test_adamw_decays_kernels_but_not_biases_and_layernorm():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, bias_initializer="ones"),
                              keras.layers.LayerNormalization()])
    optimizer = lesson.adamw(1.0, weight_decay=0.5)
    before = [v.numpy().copy() for v in model.trainable_variables]
    optimizer.apply_gradients([(np.zeros(v.shape, "float32"), v) for v in model.trainable_variables])
    for v, old in zip(model.trainable_variables, before):
        changed = not np.allclose(v.numpy(), old)
        assert changed == (v.name == "kernel"), v.name  # zero gradients: only weight decay moves a variable


def test_step_log_records_the_learning_rate_of_every_batch():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    schedule = lesson.WarmupLinearDecay(1e-2, total_steps=6, warmup_steps=2)
    model.compile(optimizer=lesson.adamw(schedule), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    log = lesson.StepLog()
    x, y = np.random.default_rng(0).normal(size=(20, 3)).astype("float32"), np.arange(20) % 4
    model.fit(x, y, batch_size=7, epochs=2, callbacks=[log], verbose=0)  # 3 batches per epoch: 6 steps
    assert len(log.lr) == len(log.loss) == len(log.seconds) == 6
    np.testing.assert_allclose(log.lr, [float(schedule(s)) for s in range(6)], rtol=1e-6)


def padded_outputs(model_builder):
    keras.utils.set_random_seed(0)
    long, short = model_builder(12), model_builder(8)
    # the same weights; the position embedding of the shorter model is the first 8 rows
    short.set_weights([w[: s.shape[0]] if w.shape != s.shape else w
                       for w, s in zip(long.get_weights(), short.get_weights())])
    tokens = [5, 6, 7, 8]
    x_long, x_short = (np.array([tokens + [0] * (n - len(tokens))]) for n in (12, 8))
    return np.asarray(long(x_long, training=False)), np.asarray(short(x_short, training=False))


def test_small_transformer_ignores_padding():
    a, b = padded_outputs(lambda n: lesson.transformer_classifier(50, n, 4, embed_dim=8, ff_dim=8))
    assert a.shape == (1, 4)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_without_the_padding_mask_padding_changes_the_output():
    def unmasked(maxlen):  # the same layers, no padding mask: the test above must be able to fail
        token_ids = keras.Input(shape=(maxlen,), dtype="int32")
        x = lesson.keras_hub.layers.TokenAndPositionEmbedding(50, maxlen, 8)(token_ids)
        x = lesson.keras_hub.layers.TransformerEncoder(intermediate_dim=8, num_heads=2, dropout=0.1)(x)
        x = keras.layers.GlobalAveragePooling1D()(x)
        x = keras.layers.Dropout(0.1)(x)
        return keras.Model(token_ids, keras.layers.Dense(4)(x))

    a, b = padded_outputs(unmasked)
    assert np.abs(a - b).max() > 1e-3


@pytest.fixture(scope="module")
def preset():
    from lesson_utils import pretrained

    return pretrained.handles("offline")["kerashub_preset"]


def test_classifier_reads_raw_strings_at_the_chosen_length(preset):
    classifier = lesson.build_classifier(preset, 4, 16, dtype="mixed_bfloat16")
    assert keras.mixed_precision.dtype_policy().name == "float32"  # the global policy is restored
    assert classifier.dtype_policy.name == "mixed_bfloat16"
    assert classifier.preprocessor.sequence_length == 16
    features = classifier.preprocessor(["Hello, there"])
    assert features["token_ids"].shape == (1, 16)
    assert features["token_ids"][0, :5].numpy().tolist() == [101, 7592, 1010, 2045, 102]
    logits = classifier.predict(np.array(["Hello, there", "Stocks fell sharply on Wall Street today"]), verbose=0)
    assert logits.shape == (2, 4)
    assert classifier.loss.get_config()["from_logits"]  # the default compile matches the logits
