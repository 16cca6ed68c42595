"""Mutation check: each deliberate bug below must make at least one unit test fail (`python -m tools.mutations`).

The five bugs that the structure issue found passing the old tests, applied to the current code, plus the
mutations of notebook 06 (causal mask, target shift, KV cache). Each is applied to a copy of the repository
in a temporary folder; the named tests run there; a mutation that leaves them green is reported and the
script exits 1. The repository itself is never changed.
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTATIONS = [  # (what, file, original text, mutated text, tests that must notice)
    ("AdamW without exclude_from_weight_decay", "lesson_utils/training.py",
     "    optimizer.exclude_from_weight_decay(var_names=NO_DECAY)\n", "", "tests/test_training.py"),
    ("the learning-rate schedule ignores warm-up and decay (constant rate)", "lesson_utils/training.py",
     "        return self.peak_lr * tf.clip_by_value(tf.minimum(warmup, decay), 0.0, 1.0)",
     "        return self.peak_lr + 0.0 * step", "tests/test_training.py"),
    ("the original lesson's frozen-head timing does not train", "lesson_utils/bert_tfhub.py",
     "original.fit(texts, labels, batch_size=batch_size, epochs=epochs, verbose=0)",
     "original.fit(texts, labels, batch_size=batch_size, epochs=0, verbose=0)", "tests/test_bert_tfhub.py"),
    ("predictions in sorted batches come back in the wrong order", "lesson_utils/bert_tfhub.py",
     "        out[order] = np.concatenate(parts)", "        out[order[::-1]] = np.concatenate(parts)",
     "tests/test_bert_tfhub.py"),
    ("the model without attention gets zeros as its context", "lesson_utils/perhatian.py",
     "            context = tf.repeat(last_state[:, tf.newaxis, :], tf.shape(outputs)[1], axis=1)",
     "            context = tf.zeros_like(outputs)", "tests/test_perhatian.py"),
    ("the timing comparison keeps the last round instead of the best", "lesson_utils/timing.py",
     "            best[name] = min(best[name], t.seconds)", "            best[name] = t.seconds",
     "tests/test_timing.py"),
    ("the causal mask removed (every key visible)",
     "lesson_utils/gpt_dari_nol.py", "    return key_positions <= query_positions\n",
     "    return tf.ones_like(key_positions <= query_positions)\n", "tests/test_gpt_dari_nol.py"),
    ("the mask not applied to the scores",
     "lesson_utils/gpt_dari_nol.py", "        scores = tf.where(mask, scores, NEG_INF)\n",
     "        scores = scores\n", "tests/test_gpt_dari_nol.py"),
    ("the targets not shifted (target = input)",
     "lesson_utils/gpt_dari_nol.py", "    return windows[..., :-1], windows[..., 1:]\n",
     "    return windows[..., :-1], windows[..., :-1]\n", "tests/test_gpt_dari_nol.py"),
    ("the cache reuses stale keys (the new token's key is never written)",
     "lesson_utils/gpt_dari_nol.py", "            k = keras.ops.slice_update(k_cache, start, k)",
     "            k = k_cache", "tests/test_gpt_dari_nol.py"),
    ("the cache reuses stale values",
     "lesson_utils/gpt_dari_nol.py", "            v = keras.ops.slice_update(v_cache, start, v)",
     "            v = v_cache", "tests/test_gpt_dari_nol.py"),
    ("the cached step restarts the positions at 0",
     "lesson_utils/gpt_dari_nol.py", "        positions = position + tf.range(tf.shape(ids)[1])",
     "        positions = tf.range(tf.shape(ids)[1])", "tests/test_gpt_dari_nol.py"),
]


def copy_repository(target):
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(".git", ".venv*", "__pycache__", "images", "bench"))


def run_tests(copy, tests):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
                          cwd=copy, capture_output=True, text=True)


def main():
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:  # the tests must pass on an unchanged copy
        copy_repository(Path(tmp) / "repo")
        baseline = run_tests(Path(tmp) / "repo", sorted({m[4] for m in MUTATIONS}))
        if baseline.returncode:
            print(f"The tests fail on an unchanged copy; fix them first:\n{baseline.stdout[-3000:]}")
            return 1
    survivors = []
    for what, path, original, mutated, tests in MUTATIONS:
        with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
            copy = Path(tmp) / "repo"
            copy_repository(copy)
            source = (copy / path).read_text(encoding="utf-8")
            if original not in source:
                survivors.append(f"{what}: the text to mutate is no longer in {path}; update tools/mutations.py")
                continue
            (copy / path).write_text(source.replace(original, mutated, 1), encoding="utf-8")
            done = run_tests(copy, [tests])
            caught = done.returncode != 0
            print(f"{'caught  ' if caught else 'MISSED  '} {what} ({tests})", flush=True)
            if not caught:
                survivors.append(what)
    if survivors:
        print("\nMutations that no test noticed:\n  " + "\n  ".join(survivors))
        return 1
    print("\nEvery mutation made a test fail.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
