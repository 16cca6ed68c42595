"""Mutation check of notebook 06: each deliberate bug must make tests/test_gpt_dari_nol.py fail.

    python tools/gpt_mutations.py     # exit 1 if a mutation survives (tools/mutations.py runs this too)

Each mutation is applied to a copy of the saved module lesson_utils/gpt_dari_nol.py, inside a copy of the
repository in a temporary folder; the unit tests run there. The repository itself is never changed.
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE = "lesson_utils/gpt_dari_nol.py"
TESTS = "tests/test_gpt_dari_nol.py"
MUTATIONS = [  # (what, original text, mutated text)
    ("the causal mask removed (every key visible)",
     "    return key_positions <= query_positions\n",
     "    return tf.ones_like(key_positions <= query_positions)\n"),
    ("the mask not applied to the scores",
     "        scores = tf.where(mask, scores, NEG_INF)\n", "        scores = scores\n"),
    ("the targets not shifted (target = input)",
     "    return windows[..., :-1], windows[..., 1:]\n", "    return windows[..., :-1], windows[..., :-1]\n"),
    ("the cache reuses stale keys (the new token's key is never written)",
     "            k = keras.ops.slice_update(k_cache, start, k)", "            k = k_cache"),
    ("the cache reuses stale values",
     "            v = keras.ops.slice_update(v_cache, start, v)", "            v = v_cache"),
    ("the cached step restarts the positions at 0",
     "        positions = position + tf.range(tf.shape(ids)[1])", "        positions = tf.range(tf.shape(ids)[1])"),
]


def copy_repository(target):
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(".git", ".venv*", "__pycache__", "images", "bench",
                                                                "build", "notebooks"))


def run_tests(copy):
    # PYTHONPATH: the copy's lesson_utils, not an installed one
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", TESTS], cwd=copy,
                          capture_output=True, text=True, env={**__import__("os").environ, "PYTHONPATH": str(copy)})


def main():
    with tempfile.TemporaryDirectory(prefix="gpt-mutation-") as tmp:
        copy = Path(tmp) / "repo"
        copy_repository(copy)
        baseline = run_tests(copy)
        if baseline.returncode:
            print(f"The tests fail on an unchanged copy; fix them first:\n{baseline.stdout[-3000:]}")
            return 1
        source = (copy / MODULE).read_text(encoding="utf-8")
        survivors = []
        for what, original, mutated in MUTATIONS:
            if source.count(original) != 1:
                survivors.append(f"{what}: the text to mutate is not (once) in {MODULE}; update {Path(__file__).name}")
                print(f"MISSING  {what}", flush=True)
                continue
            (copy / MODULE).write_text(source.replace(original, mutated), encoding="utf-8")
            done = run_tests(copy)
            caught = done.returncode != 0
            failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
            print(f"{'caught  ' if caught else 'MISSED  '} {what}" + (f" ({failed[0][7:90]})" if failed else ""),
                  flush=True)
            if not caught:
                survivors.append(what)
        (copy / MODULE).write_text(source, encoding="utf-8")
    if survivors:
        print("\nMutations of notebook 06 that no test noticed:\n  " + "\n  ".join(survivors))
        return 1
    print("\nEvery mutation of notebook 06 made a test fail.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
