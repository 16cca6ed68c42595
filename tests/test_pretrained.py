"""Offline pretrained BERT: the prepared models (the session's own preparation), the cache's life cycle
(a fake build, milliseconds), and the HuggingFace BERT layouts that LESSON_BERT_DIR accepts."""
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
from lesson_utils._offline import prepare

ENV_VARS = (pretrained.MODE_ENV, prepare.CACHE_ENV, prepare.SOURCE_ENV)


@pytest.fixture(scope="session")
def prepared():
    """Handles of the session's preparation (conftest prepared them before any test)."""
    return pretrained.handles()


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment with an empty cache; returns the monkeypatch."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(prepare.CACHE_ENV, str(tmp_path / "cache"))
    return monkeypatch


def test_preparing_from_an_empty_cache_prints_nothing_a_notebook_should_not_store(tmp_path):
    """The session's own preparation (conftest) when the cache was empty, else one made here in a fresh cache."""
    record = json.loads(Path(os.environ["LESSON_PREPARE_RECORD"]).read_text())
    if not record["fresh"]:
        import subprocess

        done = subprocess.run([sys.executable, "-c", "import lesson_utils.pretrained as p; p.handles()"],
                              capture_output=True, text=True, env=dict(os.environ, LESSON_CACHE_DIR=str(tmp_path)))
        record = {"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    assert record["returncode"] == 0 and record["stderr"] == "", record["stderr"][-2000:]
    assert "Preparing the offline BERT models" in record["stdout"]
    for private in (str(Path.home()), "/tmp/", "/root/", os.environ.get("LESSON_CACHE_DIR") or "~"):
        assert private not in record["stdout"].replace("~/.cache", ""), record["stdout"]


def test_online_and_offline_handles(env, prepared):
    env.setenv(pretrained.MODE_ENV, "online")
    assert pretrained.handles() == pretrained.ONLINE_HANDLES
    assert set(prepared) == set(pretrained.ONLINE_HANDLES) and all(Path(p).is_dir() for p in prepared.values())
    assert sorted(os.listdir(prepared["kerashub_preset"])) == ["config.json", "model.safetensors",
                                                               "tokenizer_config.json", "vocab.txt"]


def test_reuse_is_fast(prepared):
    start = time.perf_counter()
    assert pretrained.handles() == prepared
    assert time.perf_counter() - start < 0.5


def test_tfhub_preprocess_like_bert_en_uncased_preprocess(prepared):
    out = hub.KerasLayer(prepared["tfhub_preprocess"])(tf.constant(["I love transformers"]))
    assert set(out) == {"input_word_ids", "input_mask", "input_type_ids"}
    assert all(v.dtype == tf.int32 and v.shape == (1, 128) for v in out.values())
    assert list(out["input_word_ids"].numpy()[0][:6]) == [101, 1045, 2293, 19081, 102, 0]
    p = hub.load(prepared["tfhub_preprocess"])
    tokens = hub.KerasLayer(p.tokenize)(tf.constant(["Tensorflow is great", "Hello, there"]))
    pair = hub.KerasLayer(p.bert_pack_inputs, arguments=dict(seq_length=16))([tokens, tokens])
    assert list(pair["input_word_ids"].numpy()[1][:9]) == [101, 7592, 1010, 2045, 102, 7592, 1010, 2045, 102]
    assert list(pair["input_type_ids"].numpy()[1][:9]) == [0, 0, 0, 0, 0, 1, 1, 1, 1]


def test_hf_tokenizer_gives_the_original_lesson_ids(prepared):
    from transformers import AutoTokenizer, BertTokenizer

    for tokenizer_class in (BertTokenizer, AutoTokenizer):
        tokenizer = tokenizer_class.from_pretrained(prepared["hf_model"])
        assert tokenizer.encode("Tensorflow is a great framework for NLP") == [
            101, 23435, 12314, 2003, 1037, 2307, 7705, 2005, 17953, 2361, 102]


@pytest.fixture(scope="module")
def encoder_inputs(prepared):
    preprocess = hub.KerasLayer(prepared["tfhub_preprocess"])
    sentences = ["I love transformers", "Tensorflow is a great framework for NLP, isn't it?"]
    return {k: v[:, :24] for k, v in preprocess(tf.constant(sentences)).items()}


def test_the_three_prepared_encoders_compute_the_same_function(prepared, encoder_inputs):
    """TF Hub export, transformers checkpoint and KerasHub preset: one set of weights, the same outputs."""
    from transformers import TFBertModel

    ours = hub.KerasLayer(prepared["tfhub_encoder"])(encoder_inputs)
    assert len(ours["encoder_outputs"]) == 6 and ours["pooled_output"].shape == (2, 384)
    hf = TFBertModel.from_pretrained(prepared["hf_model"])(
        input_ids=encoder_inputs["input_word_ids"], attention_mask=encoder_inputs["input_mask"],
        token_type_ids=encoder_inputs["input_type_ids"], training=False)
    real = encoder_inputs["input_mask"].numpy().astype(bool)
    assert np.abs(ours["sequence_output"].numpy()[real] - hf.last_hidden_state.numpy()[real]).max() < 1e-4
    assert np.abs(ours["pooled_output"].numpy() - hf.pooler_output.numpy()).max() < 1e-4


@pytest.mark.parametrize("trainable", [True, False])
def test_tfhub_encoder_trainability(prepared, encoder_inputs, trainable):
    encoder = hub.KerasLayer(prepared["tfhub_encoder"], trainable=trainable)
    inputs = {k: keras.layers.Input(shape=(None,), dtype=tf.int32, name=k) for k in encoder_inputs}
    model = keras.Model(inputs, keras.layers.Dense(4)(encoder(inputs)["pooled_output"]))
    before = [v.numpy() for v in encoder.weights]
    with tf.GradientTape() as tape:
        loss = keras.losses.sparse_categorical_crossentropy([0, 3], model(encoder_inputs, training=True),
                                                            from_logits=True)
    grads = tape.gradient(loss, model.trainable_variables)
    keras.optimizers.SGD(0.1).apply_gradients(zip(grads, model.trainable_variables))
    changed = sum(not np.array_equal(b, v.numpy()) for b, v in zip(before, encoder.weights))
    assert changed == (len(before) if trainable else 0)


# ---------------------------------------------------------------------------
# The cache's life cycle, with a fake build
# ---------------------------------------------------------------------------


@pytest.fixture
def fake(env, tmp_path):
    """A tiny source folder and a fake build that counts its calls; returns (source, target, builds)."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "config.json").write_text('{"model_type": "bert"}')
    (source / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n")
    (source / "model.safetensors").write_bytes(b"not really weights")
    env.setenv(prepare.SOURCE_ENV, str(source))
    builds = []

    def fake_build(src, out):
        builds.append(src)
        for sub in prepare.PARTS:
            (Path(out) / sub).mkdir()
            (Path(out) / sub / "model").write_text(f"built from {src}")

    env.setattr(prepare, "build", fake_build)
    return source, tmp_path / "cache" / prepare.CACHE_NAME, builds


def test_second_call_reuses_and_the_manifest_hashes_every_file(fake):
    source, target, builds = fake
    first = pretrained.handles()
    assert pretrained.handles() == first and len(builds) == 1
    manifest = json.loads((target / prepare.MANIFEST).read_text())
    assert manifest["built_by"] == "lesson_utils" and manifest["source"]["dir"] == str(source.resolve())
    assert set(manifest["contents"]) == {f"{part}/model" for part in prepare.PARTS}
    assert all(len(v["sha256"]) == 64 for v in manifest["contents"].values())


def test_interrupted_preparation_leaves_nothing_and_is_redone(fake):
    source, target, builds = fake

    def interrupted(src, out):
        (Path(out) / "hf_model").mkdir()  # half written...
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(prepare, "build", interrupted)
        with pytest.raises(KeyboardInterrupt):
            pretrained.handles()
    assert not target.exists()
    pretrained.handles()
    assert len(builds) == 1 and prepare.check_prepared(target, source.resolve()) is None


def test_failed_rebuild_keeps_the_previous_cache(fake):
    source, target, builds = fake
    first = pretrained.handles()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(prepare, "build", lambda src, out: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            prepare.prepare(force=True)
    assert prepare.check_prepared(target, source.resolve()) is None and pretrained.handles() == first


@pytest.mark.parametrize("damage", ["old format", "truncated file", "same size, other bytes", "source changed"])
def test_a_damaged_preparation_of_ours_is_detected_and_rebuilt(fake, damage, capsys):
    source, target, builds = fake
    pretrained.handles()
    manifest_path = target / prepare.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    if damage == "old format":
        manifest["format_version"] = 1
    elif damage == "truncated file":
        (target / "hf_model" / "model").write_text("")
    elif damage == "same size, other bytes":
        path = target / "tfhub_encoder" / "model"
        path.write_text(path.read_text().upper())
    elif damage == "source changed":
        os.utime(source / "model.safetensors", ns=(0, 0))
    manifest_path.write_text(json.dumps(manifest))
    prepare._verified.clear()  # a new process: the hashes are checked once again
    builds.clear()
    pretrained.handles()
    assert len(builds) == 1 and prepare.check_prepared(target, source.resolve(), verify=True) is None
    if damage == "same size, other bytes":
        assert "damaged" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["no manifest", "a manifest that is not ours"])
def test_a_folder_the_package_did_not_make_is_never_touched(fake, kind):
    source, target, builds = fake
    target.mkdir(parents=True)
    (target / "model.safetensors").write_bytes(b"the user's own weights")
    (target / "notes.txt").write_text("mine")
    if kind == "a manifest that is not ours":
        (target / prepare.MANIFEST).write_text("{not json")
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    with pytest.raises(prepare.PreparationError, match=f"{target} exists but was not made by lesson_utils.*untouched"):
        pretrained.handles()
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before and builds == []


def test_a_source_inside_the_cache_folder_is_refused(fake, env):
    source, target, builds = fake
    inside = target / "my_bert"
    inside.mkdir(parents=True)
    for name in prepare.SOURCE_FILES:
        (inside / name).write_bytes((source / name).read_bytes())
    env.setenv(prepare.SOURCE_ENV, str(inside))
    with pytest.raises(prepare.PreparationError, match="lies inside the model cache folder"):
        pretrained.handles()
    assert (inside / "model.safetensors").is_file() and builds == []


# ---------------------------------------------------------------------------
# LESSON_BERT_DIR: the standard HuggingFace BERT layouts, written here in miniature
# ---------------------------------------------------------------------------

TINY = {"model_type": "bert", "vocab_size": 8, "hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 2,
        "intermediate_size": 6, "max_position_embeddings": 16, "type_vocab_size": 2, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "layer_norm_eps": 1e-12}


def tiny_weights(prefix="", old_names=False, heads=False):
    rng = np.random.default_rng(0)
    h, i = TINY["hidden_size"], TINY["intermediate_size"]
    shapes = {"embeddings.word_embeddings.weight": (8, h), "embeddings.position_embeddings.weight": (16, h),
              "embeddings.token_type_embeddings.weight": (2, h), "pooler.dense.weight": (h, h), "pooler.dense.bias": (h,)}
    for norm in ("embeddings.LayerNorm", "encoder.layer.0.attention.output.LayerNorm",
                 "encoder.layer.0.output.LayerNorm"):
        shapes.update({f"{norm}.gamma" if old_names else f"{norm}.weight": (h,),
                       f"{norm}.beta" if old_names else f"{norm}.bias": (h,)})
    for name, (o, n) in {"attention.self.query": (h, h), "attention.self.key": (h, h), "attention.self.value": (h, h),
                         "attention.output.dense": (h, h), "intermediate.dense": (i, h), "output.dense": (h, i)}.items():
        shapes.update({f"encoder.layer.0.{name}.weight": (o, n), f"encoder.layer.0.{name}.bias": (o,)})
    weights = {prefix + k: rng.normal(size=s).astype(np.float32) for k, s in shapes.items()}
    weights[prefix + "embeddings.position_ids"] = np.arange(16, dtype=np.int64)[None]
    if heads:  # BertForPreTraining's heads
        weights["cls.predictions.bias"] = np.zeros(8, np.float32)
        weights["cls.seq_relationship.weight"] = np.zeros((2, h), np.float32)
    return weights


def write_checkpoint(folder, weights, config=TINY):
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config) if isinstance(config, dict) else config)
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c"]) + "\n")
    save_file(weights, str(folder / "model.safetensors"))
    return folder


@pytest.mark.parametrize("layout", ["bare BertModel", "bert. prefix with pre-training heads", "gamma/beta names"])
def test_standard_layouts_read_to_the_same_weights(tmp_path, layout):
    kwargs = {"bare BertModel": {}, "bert. prefix with pre-training heads": {"prefix": "bert.", "heads": True},
              "gamma/beta names": {"old_names": True}}[layout]
    config, weights = prepare.read_source(write_checkpoint(tmp_path / "ckpt", tiny_weights(**kwargs)))
    reference = prepare.normalise_weights(tiny_weights())[0]
    assert set(weights) == set(reference)
    assert all(np.array_equal(weights[k], reference[k]) for k in reference)


def test_a_tiny_standard_checkpoint_builds_all_four_models(tmp_path, env):
    source = write_checkpoint(tmp_path / "ckpt", tiny_weights("bert.", heads=True))
    env.setenv(prepare.SOURCE_ENV, str(source))
    handles = pretrained.handles()
    from transformers import TFBertModel

    model = TFBertModel.from_pretrained(handles["hf_model"])
    ids = tf.constant([[2, 5, 6, 3]])
    hub_out = hub.KerasLayer(handles["tfhub_encoder"])(
        {"input_word_ids": ids, "input_mask": tf.ones_like(ids), "input_type_ids": tf.zeros_like(ids)})
    np.testing.assert_allclose(hub_out["pooled_output"].numpy(), model(ids).pooler_output.numpy(), atol=1e-5)


@pytest.mark.parametrize("problem, config, message", [
    ("config disagrees with the weights", {**TINY, "hidden_size": 8}, "config.json and model.safetensors disagree"),
    ("wrong number of layers", {**TINY, "num_hidden_layers": 2}, "num_hidden_layers=2, the weights have 1 layers"),
    ("invalid JSON", "{not json", "config.json is not valid JSON"),
    ("not BERT", {**TINY, "model_type": "gpt2"}, "model_type='gpt2'"),
])
def test_a_bad_checkpoint_is_refused_before_any_model_is_built(tmp_path, env, problem, config, message):
    source = write_checkpoint(tmp_path / "ckpt", tiny_weights(), config)
    env.setenv(prepare.SOURCE_ENV, str(source))
    env.setattr(prepare, "build_hf_model", lambda *a: pytest.fail("a model was built"))
    with pytest.raises(ValueError, match=message):
        pretrained.handles()
