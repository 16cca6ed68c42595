"""The AdamW warm-up schedule (steps in batches) and the strategy helper."""
import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from lesson_utils import training


def test_schedule_warms_up_then_decays_linearly():
    schedule = training.WarmupLinearDecay(peak_lr=1e-3, total_steps=100, warmup_steps=10)
    lrs = np.array([float(schedule(step)) for step in range(0, 121)])
    np.testing.assert_allclose(lrs[[0, 5, 10, 55, 100, 120]], [0, 5e-4, 1e-3, 5e-4, 0, 0], atol=1e-9)
    assert lrs.argmax() == 10
    assert np.all(np.diff(lrs[:11]) > 0) and np.all(np.diff(lrs[10:101]) < 0)


def test_adamw_counts_warmup_in_batches():
    batches_per_epoch, epochs = 175, 2  # e.g. 5,600 examples, batch 32
    optimizer = training.adamw_with_warmup(5e-5, batches_per_epoch * epochs, warmup_fraction=0.1)
    schedule = optimizer._learning_rate  # the schedule itself (`learning_rate` is its current value)
    assert schedule.warmup_steps == 35 and schedule.total_steps == 350
    assert float(schedule(35)) == pytest.approx(5e-5)
    assert float(optimizer.weight_decay) == pytest.approx(0.01)


def test_schedule_rejects_bad_steps_and_round_trips_config():
    with pytest.raises(ValueError, match="count steps in batches"):
        training.WarmupLinearDecay(1e-3, total_steps=10, warmup_steps=20)
    schedule = training.WarmupLinearDecay(2e-5, 50, 5)
    clone = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert clone.get_config() == schedule.get_config()


def test_adamw_trains_a_model_and_skips_decay_on_biases():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(4, input_shape=(3,)), keras.layers.LayerNormalization(), keras.layers.Dense(1)])
    model.compile(training.adamw_with_warmup(1e-2, total_steps=40), loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, batch_size=16, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_default_strategy_on_a_cpu_machine():
    if tf.config.list_logical_devices("GPU") or tf.config.list_physical_devices("TPU"):
        pytest.skip("this check is for machines without accelerators")
    strategy = training.get_strategy()
    assert strategy.num_replicas_in_sync == 1
    assert not isinstance(strategy, tf.distribute.MirroredStrategy)
