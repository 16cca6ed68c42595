"""Training helpers shared by the lessons: the warm-up schedule and AdamW, a per-batch
log, the distribution strategy, and whether the CPU computes in bfloat16.

Steps are always counted in *batches*: ``total_steps = batches_per_epoch * epochs``.
(The original lesson counted examples, so its learning rate never left warm-up.)
"""
import os
from pathlib import Path

import tensorflow as tf
import tf_keras as keras

# Names of the parameters that BERT-style fine-tuning leaves out of weight decay.
NO_DECAY = ["bias", "LayerNorm", "layer_norm", "beta", "gamma"]


@keras.utils.register_keras_serializable(package="lesson_utils")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to ``peak_lr`` over ``warmup_steps``, then linear decay to 0 at ``total_steps``."""

    def __init__(self, peak_lr, total_steps, warmup_steps):
        super().__init__()
        if total_steps <= 0 or not 0 <= warmup_steps <= total_steps:
            raise ValueError(
                f"Need 0 <= warmup_steps ({warmup_steps}) <= total_steps ({total_steps}) and total_steps > 0; "
                "count steps in batches: batches_per_epoch * epochs."
            )
        self.peak_lr, self.total_steps, self.warmup_steps = float(peak_lr), int(total_steps), int(warmup_steps)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        warmup = step / self.warmup_steps if self.warmup_steps else 1.0
        decay = (self.total_steps - step) / max(self.total_steps - self.warmup_steps, 1)
        return self.peak_lr * tf.clip_by_value(tf.minimum(warmup, decay), 0.0, 1.0)

    def get_config(self):
        return {"peak_lr": self.peak_lr, "total_steps": self.total_steps, "warmup_steps": self.warmup_steps}


def adamw_with_warmup(peak_lr, total_steps, warmup_fraction=0.1, weight_decay=0.01):
    """AdamW as in BERT fine-tuning: warm-up over ``warmup_fraction`` of the steps, then linear decay.

    Biases and LayerNorm parameters (``NO_DECAY``) get no weight decay.
    """
    schedule = WarmupLinearDecay(peak_lr, total_steps, int(round(warmup_fraction * total_steps)))
    optimizer = keras.optimizers.AdamW(learning_rate=schedule, weight_decay=weight_decay, epsilon=1e-6)
    optimizer.exclude_from_weight_decay(var_names=NO_DECAY)
    return optimizer


class StepLog(keras.callbacks.Callback):
    """Loss, accuracy (running means over the epoch, as Keras reports them) and learning rate after every batch."""

    def __init__(self):
        super().__init__()
        self.loss, self.accuracy, self.lr = [], [], []

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.loss.append(float(logs["loss"]))
        if "accuracy" in logs:
            self.accuracy.append(float(logs["accuracy"]))
        self.lr.append(float(self.model.optimizer.learning_rate))


def get_strategy():
    """The right ``tf.distribute`` strategy for this machine.

    A TPU if one is attached (TPU VM, or ``TPU_NAME``/``COLAB_TPU_ADDR`` set),
    ``MirroredStrategy`` over several GPUs, otherwise the default strategy
    (one CPU or GPU). Build and compile models inside ``strategy.scope()`` and
    multiply the batch size by ``strategy.num_replicas_in_sync``.
    """
    if tf.config.list_physical_devices("TPU") or os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR"):
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


def cpu_flags(cpuinfo="/proc/cpuinfo"):
    """The CPU's instruction-set flags from ``cpuinfo`` (Linux), or ``None`` where that file cannot be read."""
    try:
        return set(Path(cpuinfo).read_text().split())
    except OSError:
        return None


def cpu_has_bf16(cpuinfo="/proc/cpuinfo", flags=None):
    """Whether this machine's CPU multiplies bfloat16 in hardware (AVX-512 BF16 or AMX), on Linux.

    Without those instructions bfloat16 is emulated and slower than float32, so
    the lessons use ``mixed_bfloat16`` only where this is true (and never on a GPU,
    which has its own rules). ``flags``: already-read ``cpu_flags()``, to skip reading ``cpuinfo``.
    """
    if flags is None:
        flags = cpu_flags(cpuinfo)
    return bool(flags and flags & BF16_FLAGS)
