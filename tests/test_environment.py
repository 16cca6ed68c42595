"""The environment: the exact lock, the runtime ranges, and what `import lesson_utils` sets up."""
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
TEST_TOOLS = {"pytest", "nbval", "jupyter", "jupyterlab", "nbconvert"}
COLAB = {"tensorflow": "2.20.0", "tf-keras": "2.20.1", "tensorflow-text": "2.20.1", "tensorflow-hub": "0.16.1",
         "tensorflow-datasets": "4.9.10", "setuptools": "75.2.0"}  # Google Colab, August 2026


def lock():
    lines = (line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def runtime():
    return [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]


def test_environment_yml_has_the_same_pins_as_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert sorted(pip_section) == sorted(str(r) for r in lock())
    assert env["variables"]["TF_USE_LEGACY_KERAS"] == "1"


def test_the_lock_is_exact_and_satisfies_the_runtime_ranges():
    pins = {r.name: next(iter(r.specifier)).version for r in lock()}
    assert all(len(r.specifier) == 1 and next(iter(r.specifier)).operator == "==" for r in lock())
    for requirement in runtime():
        assert requirement.name in pins, f"{requirement.name} is a runtime requirement but not in the lock"
        assert requirement.specifier.contains(pins[requirement.name]), f"lock {pins[requirement.name]} vs {requirement}"


def test_runtime_ranges_admit_colab_and_exclude_the_test_tools():
    ranges = {r.name: r.specifier for r in runtime()}
    assert not TEST_TOOLS & set(ranges)
    for name, version in COLAB.items():
        assert ranges[name].contains(version), f"Colab's {name} {version} is outside {ranges[name]}"
    assert not ranges["transformers"].contains("5.0.0") and not ranges["setuptools"].contains("82.0.0")
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"] == ">=3.11,<3.14"


def test_import_selects_keras_2_and_keeps_stderr_quiet():
    code = ("import lesson_utils, tensorflow as tf, tf_keras, os\n"
            "assert os.environ['TF_USE_LEGACY_KERAS'] == '1'\n"
            "assert tf.keras.layers.Dense is tf_keras.layers.Dense\n"
            "import tensorflow_hub, transformers, keras_hub\n"
            "tf.reduce_sum(tf.ones(3)).numpy()\n"
            "print('ok')\n")
    env = {k: v for k, v in os.environ.items() if k not in ("TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert result.stderr == "", f"noise on stderr:\n{result.stderr}"


def test_import_selects_the_pooled_cpu_allocator_unless_the_user_chose():
    # get_memory_info answers only for TensorFlow's pooled (BFC) allocator. Where oneDNN's optimizations are on
    # (TensorFlow's default on CPUs with AVX-512 VNNI/BF16 or AMX) CPU memory is pooled whatever the variable says,
    # so the subprocesses turn them off: the variable then decides, on every CPU.
    code = ("import lesson_utils, tensorflow as tf\n"
            "x = tf.ones((512, 512))\n"
            "try:\n"
            "    print(tf.config.experimental.get_memory_info('CPU:0')['peak'] >= x.numpy().nbytes)\n"
            "except ValueError:\n"
            "    print('system allocator')\n")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPU_ALLOCATOR_USE_BFC"} | {"TF_ENABLE_ONEDNN_OPTS": "0"}
    for choice, expected in ((None, "True"), ("false", "system allocator")):
        if choice:
            env["TF_CPU_ALLOCATOR_USE_BFC"] = choice
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected, (choice, result.stdout)


def test_the_makefile_refuses_an_unsupported_python(tmp_path):
    old = tmp_path / "python3"  # answers every version check with "no", like Python 3.9 would
    old.write_text("#!/bin/sh\nexit 1\n")
    old.chmod(0o755)
    done = subprocess.run(["make", "-s", "setup", f"PYTHON={old}", f"VENV={tmp_path / 'venv'}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and not (tmp_path / "venv").exists()
    done = subprocess.run(["/bin/sh", str(ROOT / "tools" / "find_python.sh")], capture_output=True, text=True,
                          env={"PATH": str(tmp_path)}, timeout=30)
    assert done.returncode == 1 and "needs Python 3.11, 3.12 or 3.13" in done.stderr
