"""Helpers shared by the course notebooks on attention and transformers.

Importing this package prepares the environment *before* TensorFlow loads:

* ``TF_USE_LEGACY_KERAS=1``: ``hub.KerasLayer`` and the TF classes of
  ``transformers`` need Keras 2 (the ``tf_keras`` package);
* TensorFlow's C++ start-up messages (oneDNN, CUDA probing) are kept off
  stderr, so they do not clutter notebook outputs;
* ``TF_CPU_ALLOCATOR_USE_BFC=true``: TensorFlow keeps freed CPU memory in its own
  pool instead of returning it to the C library. With the C library's allocator,
  a BERT fine-tuning that follows a training run on longer batches spent a third
  of its time in page faults (README: "Why the pooled CPU allocator").

Import it first in every notebook: ``import lesson_utils``.
"""
import os
import sys
import warnings

os.environ["TF_USE_LEGACY_KERAS"] = "1"
# Hide C++ log lines (INFO to ERROR): benign notices such as "oneDNN supports DT_INT64 only
# on platforms with AVX-512" are logged as errors. Python exceptions still carry the details.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# TensorFlow's pooled (BFC) allocator for CPU tensors: read when the first tensor is made.
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")


def _import_tensorflow_quietly():
    """Import TensorFlow and probe devices with file descriptor 2 sent to /dev/null.

    Some messages (oneDNN, cuInit) are printed before TensorFlow's log level
    applies, so the only reliable way to keep them out of a notebook is to
    silence stderr at the OS level while they are printed.
    """
    if "tensorflow" in sys.modules:
        warnings.warn(
            "TensorFlow was imported before lesson_utils; restart the kernel and run "
            "`import lesson_utils` first so that TF_USE_LEGACY_KERAS=1 takes effect.",
            stacklevel=3,
        )
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf

        tf.config.list_physical_devices()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_import_tensorflow_quietly()

from .profiles import PROFILES, profile, profile_name  # noqa: E402

__all__ = ["PROFILES", "profile", "profile_name", "set_seed"]


def set_seed(seed=0):
    """Seed Python, NumPy and TensorFlow (through Keras 2) for repeatable runs.

    Keras 3 notebooks call ``keras.utils.set_random_seed`` instead (Keras 3 keeps its own seed).
    """
    import tf_keras

    tf_keras.utils.set_random_seed(seed)
