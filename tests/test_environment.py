"""The environment: one list of pins, and what `import lesson_utils` sets up."""
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def requirement_lines(path):
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def test_environment_yml_has_the_same_pins_as_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert sorted(pip_section) == sorted(requirement_lines(ROOT / "requirements.txt"))
    assert "python=3.11" in env["dependencies"]
    assert env["variables"]["TF_USE_LEGACY_KERAS"] == "1"


def test_every_requirement_is_pinned():
    for path in ("requirements.txt", "requirements-nodeps.txt"):
        for line in requirement_lines(ROOT / path):
            assert "==" in line, f"{path}: {line!r} is not pinned"


def test_import_selects_keras_2_and_keeps_stderr_quiet():
    code = (
        "import lesson_utils, tensorflow as tf, tf_keras, os\n"
        "assert os.environ['TF_USE_LEGACY_KERAS'] == '1'\n"
        "assert tf.keras.layers.Dense is tf_keras.layers.Dense\n"
        "tf.reduce_sum(tf.ones(3)).numpy()\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert result.stderr == "", f"TensorFlow noise on stderr:\n{result.stderr}"
