"""The sizes that differ between profiles: the one table that scales runtime.

``LESSON_PROFILE`` picks the profile: ``quick`` (tests and CI: every notebook in a
minute or so on 2 CPU cores), ``default`` (a student's laptop CPU: each notebook in
a few minutes) or ``full`` (the whole AG News data set; a GPU is recommended).
Everything that is the same in every profile lives in the notebook that uses it,
as a constant with a comment.

AG News sizes are rows *per class* (four classes). ``quick`` and ``default`` draw
them from the course sample (the same 7,000 rows offline and online, see
``lesson_utils.data``); ``None`` takes every row that is left.
"""
import os
from types import SimpleNamespace

PROFILE_ENV = "LESSON_PROFILE"
DEFAULT_PROFILE = "default"

PROFILES = {
    "quick": {
        "ag_news": {"source": "sample", "train": 200, "val": 50, "test": 100},
        # 01: generated dates per split, the longest "long" input, the epoch limit of early stopping.
        "attention": {"train": 6000, "val": 300, "test": 600, "long": 600, "long_max_len": 80, "max_epochs": 15},
        # 02: epochs; the sequence lengths of the GRU-versus-transformer timing.
        "scratch": {"epochs": 5, "timing_lengths": [16, 64, 256]},
        # 03: epochs of the head on frozen features and of fine-tuning; texts timed in the speed comparisons.
        "bert_tfhub": {"head_epochs": 20, "finetune_epochs": 1, "timing_examples": 64},
        # 04: epochs of the head and of fine-tuning; training steps timed per pipeline, rounds.
        "bert_hf": {"head_epochs": 20, "epochs": 1, "timing_steps": 1, "timing_rounds": 1},
        # 05: epochs of fine-tuning with KerasHub, training texts used (None: all), epochs of the small transformer.
        "kerashub": {"epochs": 1, "max_train": 480, "scratch_epochs": 3},
        # 06: the small GPT: BPE vocabulary size, training steps, batch, steps between validation losses, peak
        # learning rate; generated lengths timed with and without the KV cache, repeats (median).
        "gpt": {"vocab_size": 500, "steps": 300, "batch": 16, "eval_every": 50, "learning_rate": 3e-3,
                "timing_lengths": [16, 64, 128], "timing_repeats": 1},
        # `make bench`: examples, timed steps, repeats.
        "bench": {"scratch_epochs": 2, "frozen_examples": 64, "finetune_examples": 128, "finetune_steps": 2, "forward_batch": 4,
                  "forward_seq_len": 32, "repeats": 1},
    },
    "default": {
        "ag_news": {"source": "sample", "train": 1200, "val": 200, "test": 350},
        "attention": {"train": 20000, "val": 1000, "test": 2000, "long": 2000, "long_max_len": 160, "max_epochs": 80},
        "scratch": {"epochs": 5, "timing_lengths": [16, 32, 64, 128, 256, 512]},
        "bert_tfhub": {"head_epochs": 100, "finetune_epochs": 1, "timing_examples": 96},
        "bert_hf": {"head_epochs": 100, "epochs": 2, "timing_steps": 4, "timing_rounds": 2},
        "kerashub": {"epochs": 1, "max_train": None, "scratch_epochs": 5},
        "gpt": {"vocab_size": 2000, "steps": 1000, "batch": 32, "eval_every": 100, "learning_rate": 3e-3,
                "timing_lengths": [16, 32, 64, 128, 256, 512], "timing_repeats": 3},
        "bench": {"scratch_epochs": 5, "frozen_examples": 256, "finetune_examples": 1024, "finetune_steps": 12, "forward_batch": 32,
                  "forward_seq_len": 128, "repeats": 3},
    },
    "full": {
        "ag_news": {"source": "full", "train": None, "val": 1000, "test": None},
        "attention": {"train": 50000, "val": 2000, "test": 5000, "long": 5000, "long_max_len": 160, "max_epochs": 100},
        "scratch": {"epochs": 2, "timing_lengths": [16, 32, 64, 128, 256, 512]},
        "bert_tfhub": {"head_epochs": 100, "finetune_epochs": 2, "timing_examples": 512},
        "bert_hf": {"head_epochs": 100, "epochs": 2, "timing_steps": 50, "timing_rounds": 3},
        "kerashub": {"epochs": 2, "max_train": None, "scratch_epochs": 5},
        "gpt": {"vocab_size": 2000, "steps": 5000, "batch": 64, "eval_every": 250, "learning_rate": 3e-3,
                "timing_lengths": [16, 32, 64, 128, 256, 512], "timing_repeats": 3},
        "bench": {"scratch_epochs": 5, "frozen_examples": 2048, "finetune_examples": 4096, "finetune_steps": 50, "forward_batch": 64,
                  "forward_seq_len": 128, "repeats": 3},
    },
}


def profile_name(name=None):
    """The active profile's name: ``name``, else ``$LESSON_PROFILE``, else ``default``."""
    name = name or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ValueError(
            f"Unknown profile {name!r}. Choose one of {', '.join(PROFILES)} "
            f"(argument or environment variable {PROFILE_ENV}, e.g. `export {PROFILE_ENV}=quick`)."
        )
    return name


def profile(name=None):
    """The sizes of the active profile, with attribute access: ``profile().ag_news.train``."""
    name = profile_name(name)
    sections = {key: SimpleNamespace(**values) for key, values in PROFILES[name].items()}
    return SimpleNamespace(name=name, **sections)
