"""lesson_utils.timing: the one family of timing helpers."""
import time

import lesson_utils  # noqa: F401  (first: Keras 2)
import numpy as np
import pytest
import tensorflow as tf

from lesson_utils import timing


def scripted(durations):
    """A task whose n-th call sleeps durations[n] seconds."""
    calls = iter(durations)
    return lambda: time.sleep(next(calls))


def test_best_of_rounds_keeps_each_tasks_fastest_round_after_an_untimed_warm_up():
    tasks = {"a": scripted([0.3, 0.09, 0.03, 0.12]), "b": scripted([0.3, 0.02, 0.1, 0.1])}
    best = timing.best_of_rounds(tasks, rounds=3)  # the first call of each is the warm-up
    assert best["a"] == pytest.approx(0.03, abs=0.015) and best["b"] == pytest.approx(0.02, abs=0.015)
    with pytest.raises(ValueError, match="rounds=0.*rounds=1 or more"):
        timing.best_of_rounds(tasks, rounds=0)


def test_median_seconds_and_timer():
    assert timing.median_seconds(scripted([0.2, 0.01, 0.05, 0.02]), repeats=3) == pytest.approx(0.02, abs=0.015)
    with timing.Timer() as t:
        time.sleep(0.02)
    assert 0.015 < t.seconds < 0.5


def test_take_batches_gives_the_same_batches_on_every_pass():
    ds = tf.data.Dataset.range(10).shuffle(10, seed=0, reshuffle_each_iteration=True).batch(4)
    fixed = timing.take_batches(ds, steps=5)  # 3 batches per pass: the dataset is repeated to give 5
    first, second = [b.numpy().tolist() for b in fixed], [b.numpy().tolist() for b in fixed]
    assert len(first) == 5 and first == second
    assert fixed.element_spec.shape.as_list() == [None]  # one traced step for batches of any length
    with pytest.raises(ValueError, match="steps=0"):
        timing.take_batches(ds, 0)
    with pytest.raises(ValueError, match="empty"):
        timing.take_batches(ds.take(0), 2)


def test_take_batches_turns_off_autotuning():
    # With tf.data's autotuning on, deleting an iterator (the end of every `fit`) can wait for the tuner's sleep,
    # which doubles from 10 ms: timed rounds came out rounded up to 2.55 s, 5.11 s, ... (take_batches' docstring).
    # A test of the wait itself was tried and not kept: the wait does not happen on every deletion.
    fixed = timing.take_batches(tf.data.Dataset.range(8).batch(2), steps=4)
    assert fixed.options().autotune.enabled is False
    assert fixed.prefetch(1).options().autotune.enabled is False  # and so is a pipeline built on it, as in `fit`


def test_epoch_timer_leaves_out_validation_and_the_first_epoch():
    timer = timing.EpochTimer()
    timer.seconds = [5.0, 2.0, 3.0, 2.0]
    assert timer.steady_seconds() == 2.0
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 2)), np.ones(4), validation_data=(np.ones((4, 2)), np.ones(4)), epochs=2, verbose=0,
              callbacks=[timer])
    assert len(timer.seconds) == 2 and min(timer.seconds) > 0
