"""Timing: the one family of helpers behind every time and speed the lessons print.

* ``Timer``: ``with Timer() as t: ...`` then ``t.seconds``;
* ``median_seconds(fn)``: the median of repeated calls after a warm-up;
* ``best_of_rounds({name: fn})``: each ``fn`` once untimed, then timed in interleaved
  rounds; the fastest round of each counts. On a busy machine other programs slow
  down some measurements more than others; interleaving and the best round keep a
  comparison fair;
* ``take_batches(dataset, steps)``: the same batches for every timed round;
* ``EpochTimer``: a Keras callback with the seconds each epoch spent *training*
  (validation left out).

Speeds are medians or best rounds, never a single run: timings on a shared machine are noisy.
"""
import statistics
import time

import tf_keras as keras


class Timer:
    """Wall time of a ``with`` block: ``with Timer() as t: work()`` then ``t.seconds``."""

    def __enter__(self):
        self.seconds = None
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        return False


def median_seconds(fn, repeats=3, warmup=1):
    """Median wall time of ``fn()`` over ``repeats`` calls, after ``warmup`` untimed calls."""
    if repeats < 1:
        raise ValueError(f"repeats={repeats!r}: time at least one call.")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        with Timer() as t:
            fn()
        times.append(t.seconds)
    return statistics.median(times)


def best_of_rounds(tasks, rounds=3, warmup=1):
    """``{name: seconds}``: the fastest of ``rounds`` interleaved timings of each ``tasks[name]()``.

    Every task runs ``warmup`` times untimed first (tracing, one-off kernel set-up).
    """
    if int(rounds) < 1:
        raise ValueError(f"rounds={rounds!r}: the comparison needs at least one timed round; pass rounds=1 or more.")
    for fn in tasks.values():
        for _ in range(warmup):
            fn()
    best = {name: float("inf") for name in tasks}
    for _ in range(rounds):
        for name, fn in tasks.items():
            with Timer() as t:
                fn()
            best[name] = min(best[name], t.seconds)
    return best


def take_batches(dataset, steps):
    """The first ``steps`` batches of ``dataset`` (repeated if shorter), as a dataset that yields exactly them.

    A shuffled dataset gives other batches, and so other padded lengths, on every pass;
    a fair timing trains on the same batches in the warm-up and in every round. Every
    dimension of the result's element spec is unknown (``None``), so that sets of batches
    of different lengths share one traced training step of a Keras model.

    tf.data's autotuning is off for the result. With it on, deleting the iterator (``fit``
    does at its end) can wait for the tuner's background thread to wake up, and its sleep
    doubles from 10 ms: a timed ``fit`` is rounded up to 0.01 x (2^k - 1) s (..., 2.55 s,
    5.11 s), and notebook 04 once measured dynamic padding at 0.89x the speed of padding to
    128 (TF 2.21). The batches are in memory: nothing to tune.
    """
    import tensorflow as tf

    if int(steps) < 1:
        raise ValueError(f"steps={steps!r}: timing needs at least one batch; pass steps=1 or more.")
    batches = list(dataset.repeat().take(steps))
    if not batches:
        raise ValueError("The dataset is empty: there is no batch to time; build it from at least one text.")
    spec = tf.nest.map_structure(lambda s: tf.TensorSpec([None] * s.shape.rank, s.dtype), dataset.element_spec)
    options = tf.data.Options()
    options.autotune.enabled = False
    return tf.data.Dataset.from_generator(lambda: iter(batches), output_signature=spec).with_options(options)


class EpochTimer(keras.callbacks.Callback):
    """Seconds spent *training* in each epoch (validation at the epoch's end left out): ``timer.seconds``."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._stop = time.perf_counter(), None

    def on_test_begin(self, logs=None):  # validation at the end of an epoch starts here
        if getattr(self, "_stop", 1) is None:
            self._stop = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append((self._stop or time.perf_counter()) - self._start)

    def steady_seconds(self):
        """Median seconds per epoch after the first (which also traces the graph), unless there is only one."""
        seconds = self.seconds[1:] if len(self.seconds) > 1 else self.seconds
        return statistics.median(seconds)
