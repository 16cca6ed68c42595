"""lesson_utils.training: the warm-up schedule (steps in batches), AdamW without decay on biases and
LayerNorm, the per-batch log, the strategy and the bfloat16 check."""
import lesson_utils  # noqa: F401  (first: Keras 2)
import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from lesson_utils import training


def test_schedule_warms_up_then_decays_linearly():
    schedule = training.WarmupLinearDecay(peak_lr=1e-3, total_steps=100, warmup_steps=10)
    lrs = np.array([float(schedule(step)) for step in range(0, 121)])
    np.testing.assert_allclose(lrs[[0, 5, 10, 55, 100, 120]], [0, 5e-4, 1e-3, 5e-4, 0, 0], atol=1e-9)
    assert lrs.argmax() == 10 and np.all(np.diff(lrs[:11]) > 0) and np.all(np.diff(lrs[10:101]) < 0)
    with pytest.raises(ValueError, match="count steps in batches"):
        training.WarmupLinearDecay(1e-3, total_steps=10, warmup_steps=20)
    clone = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert clone.get_config() == schedule.get_config()


def test_adamw_counts_warmup_in_batches():
    optimizer = training.adamw_with_warmup(5e-5, 350, warmup_fraction=0.1)
    schedule = optimizer._learning_rate  # the schedule itself (`learning_rate` is its current value)
    assert schedule.warmup_steps == 35 and schedule.total_steps == 350
    assert float(schedule(35)) == pytest.approx(5e-5) and float(optimizer.weight_decay) == pytest.approx(0.01)


def test_adamw_decays_kernels_but_not_biases_or_layer_norm():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(4, input_shape=(3,)), keras.layers.LayerNormalization()])
    optimizer = training.adamw_with_warmup(1.0, total_steps=2, warmup_fraction=0.0, weight_decay=0.5)
    model.layers[0].bias.assign(tf.ones(4))
    before = {v.name: v.numpy() for v in model.trainable_variables}
    optimizer.apply_gradients([(tf.zeros_like(v), v) for v in model.trainable_variables])  # decay only
    for v in model.trainable_variables:
        changed = not np.allclose(before[v.name], v.numpy())
        decays = "kernel" in v.name
        assert changed == decays, f"{v.name}: weight decay {'missing' if decays else 'applied'}"


def test_step_log_records_every_batch():
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    model.compile(training.adamw_with_warmup(1e-2, 4), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    log = training.StepLog()
    model.fit(np.ones((8, 3)), np.zeros(8), batch_size=2, epochs=1, verbose=0, callbacks=[log])
    assert len(log.loss) == len(log.accuracy) == len(log.lr) == 4
    assert log.lr[0] < log.lr[1] or log.lr[0] > log.lr[-1]  # the schedule moves


def test_bf16_check_reads_the_cpu_flags(tmp_path):
    (tmp_path / "with").write_text("flags\t: fpu sse avx512f avx512_bf16\n")
    (tmp_path / "amx").write_text("flags\t: fpu amx_bf16 amx_tile\n")
    (tmp_path / "without").write_text("flags\t: fpu sse avx2\n")
    assert training.cpu_has_bf16(tmp_path / "with") and training.cpu_has_bf16(tmp_path / "amx")
    assert not training.cpu_has_bf16(tmp_path / "without") and not training.cpu_has_bf16(tmp_path / "missing")


def test_default_strategy_on_a_cpu_machine():
    if tf.config.list_logical_devices("GPU") or tf.config.list_physical_devices("TPU"):
        pytest.skip("this check is for machines without accelerators")
    assert training.get_strategy().num_replicas_in_sync == 1
