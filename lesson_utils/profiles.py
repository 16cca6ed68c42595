"""Sizes of every notebook, per profile: the one table that scales runtime.

``LESSON_PROFILE`` picks the profile: ``quick`` (tests and CI: all notebooks in a
few minutes on 2 CPU cores), ``default`` (a student's laptop CPU: each notebook
in at most 10 minutes) or ``full`` (the whole AG News data set and the seed
lesson's epochs; a GPU is recommended).

``None`` as a number of examples means "all of them".
"""
import os
from types import SimpleNamespace

PROFILE_ENV = "LESSON_PROFILE"
DEFAULT_PROFILE = "default"

PROFILES = {
    "quick": {
        "ag_news": {"train": 800, "test": 400},
        # `make bench` (lesson_utils.bench): examples, epochs, timed steps, forward-pass shape, repeats.
        "bench": {"train": 400, "test": 200, "batch_size": 32, "scratch_epochs": 2, "frozen_examples": 64,
                  "finetune_examples": 64, "finetune_steps": 2, "forward_batch": 4, "forward_seq_len": 32,
                  "repeats": 1},
        # 02 transformer from scratch: examples, epochs (same for the seed and the lesson run), batch,
        # vocabulary, the seed's maxlen, the share of texts the lesson's maxlen covers, model sizes, peak rate.
        "scratch": {"train": 1600, "test": 400, "epochs": 3, "batch_size": 32, "vocab_size": 20000,
                    "seed_maxlen": 256, "length_coverage": 0.99, "embed_dim": 32, "num_heads": 2,
                    "ff_dim": 32, "learning_rate": 1e-3},
        # 03 BERT from TF Hub: examples, preprocessor length, fine-tuning length cap, batches, epochs,
        # learning rates, length buckets (tokens), examples and head epochs timed for the speed comparison.
        "bert_tfhub": {"train": 320, "test": 160, "max_seq_length": 128, "finetune_max_seq_length": 64,
                       "batch_size": 32, "encode_batch_size": 64, "head_epochs": 10, "head_lr": 1e-3,
                       "finetune_epochs": 1, "finetune_batch_size": 16, "finetune_lr": 1e-4, "bucket_boundaries": [24, 32, 40, 48, 56],
                       "padding_examples": 128, "timing_examples": 32, "timing_epochs": 5},
        # 01 attention: date examples per split, input lengths in characters (training range and the
        # longer "long" split), length-bucket width, model sizes, training.
        "attention": {"train": 4000, "val": 200, "test": 300, "long": 300, "min_len": 8,
                      "train_max_len": 40, "long_max_len": 80, "bucket_width": 20,
                      "embedding_dim": 32, "units": 64, "epochs": 3, "batch_size": 256,
                      "learning_rate": 5e-3},
        # 04 BERT with HuggingFace transformers: examples, token length, batch, epochs (the frozen phase may stop
        # after frozen_steps batches; None: a whole epoch), peak learning rates,
        # length buckets (tokens) and the training steps timed for the padding comparison.
        "bert_hf": {"train": 320, "test": 160, "max_length": 64, "batch_size": 32,
                    "frozen_epochs": 1, "frozen_steps": None, "epochs": 1, "frozen_lr": 1e-3, "lr": 1e-4,
                    "bucket_boundaries": [24, 32, 40, 48], "timing_steps": 2, "timing_rounds": 1},
    },
    "default": {
        "ag_news": {"train": None, "test": None},
        "bench": {"train": None, "test": None, "batch_size": 32, "scratch_epochs": 5, "frozen_examples": 256,
                  "finetune_examples": 1024, "finetune_steps": 8, "forward_batch": 32, "forward_seq_len": 128,
                  "repeats": 3},
        "scratch": {"train": None, "test": None, "epochs": 5, "batch_size": 32, "vocab_size": 20000,
                    "seed_maxlen": 256, "length_coverage": 0.99, "embed_dim": 32, "num_heads": 2,
                    "ff_dim": 32, "learning_rate": 1e-3},
        "bert_tfhub": {"train": None, "test": None, "max_seq_length": 128, "finetune_max_seq_length": 64,
                       "batch_size": 32, "encode_batch_size": 64, "head_epochs": 20, "head_lr": 1e-3,
                       "finetune_epochs": 1, "finetune_batch_size": 16, "finetune_lr": 1e-4, "bucket_boundaries": [24, 32, 40, 48, 56],
                       "padding_examples": 256, "timing_examples": 128, "timing_epochs": 5},
        "attention": {"train": 20000, "val": 1000, "test": 2000, "long": 2000, "min_len": 8,
                      "train_max_len": 40, "long_max_len": 160, "bucket_width": 20,
                      "embedding_dim": 32, "units": 64, "epochs": 8, "batch_size": 256,
                      "learning_rate": 5e-3},
        "bert_hf": {"train": None, "test": None, "max_length": 96, "batch_size": 32,
                    "frozen_epochs": 1, "frozen_steps": 100, "epochs": 2, "frozen_lr": 2e-3, "lr": 1e-4,
                    "bucket_boundaries": [32, 40, 48, 56, 64, 80], "timing_steps": 4, "timing_rounds": 2},
    },
    "full": {
        "ag_news": {"train": None, "test": None},
        "bench": {"train": None, "test": None, "batch_size": 32, "scratch_epochs": 5, "frozen_examples": 2048,
                  "finetune_examples": 4096, "finetune_steps": 50, "forward_batch": 64, "forward_seq_len": 128,
                  "repeats": 3},
        "scratch": {"train": None, "test": None, "epochs": 1, "batch_size": 32, "vocab_size": 20000,
                    "seed_maxlen": 256, "length_coverage": 0.99, "embed_dim": 32, "num_heads": 2,
                    "ff_dim": 32, "learning_rate": 1e-3},
        "bert_tfhub": {"train": None, "test": None, "max_seq_length": 128, "finetune_max_seq_length": 128,
                       "batch_size": 32, "encode_batch_size": 128, "head_epochs": 20, "head_lr": 1e-3,
                       "finetune_epochs": 3, "finetune_batch_size": 32, "finetune_lr": 5e-5,
                       "bucket_boundaries": [24, 32, 40, 48, 56, 64, 80, 96],
                       "padding_examples": 1024, "timing_examples": 512, "timing_epochs": 5},
        "attention": {"train": 50000, "val": 2000, "test": 5000, "long": 5000, "min_len": 8,
                      "train_max_len": 40, "long_max_len": 160, "bucket_width": 20,
                      "embedding_dim": 32, "units": 64, "epochs": 12, "batch_size": 256,
                      "learning_rate": 5e-3},
        "bert_hf": {"train": None, "test": None, "max_length": 128, "batch_size": 32,
                    "frozen_epochs": 1, "frozen_steps": None, "epochs": 2, "frozen_lr": 1e-3, "lr": 5e-5,
                    "bucket_boundaries": [32, 40, 48, 56, 64, 80, 96], "timing_steps": 50,
                    "timing_rounds": 3},
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
