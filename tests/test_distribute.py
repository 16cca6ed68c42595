"""Training under tf.distribute: MirroredStrategy on two logical CPU devices
trains the scratch classifier and the BERT fine-tuning model exactly like one device."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("distributed_step.py")


@pytest.fixture(scope="module")
def results():
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    done = subprocess.run([sys.executable, str(WORKER)], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("model", ["scratch", "bert"])
def test_mirrored_training_matches_one_device(results, model):
    assert results["replicas"] == 2
    r = results[model]
    assert r["loss_mirrored"][-1] < r["loss_mirrored"][0], "the loss did not fall under MirroredStrategy"
    assert r["loss_mirrored"] == pytest.approx(r["loss_one_device"], rel=1e-4, abs=1e-5)
    assert r["max_prediction_difference"] < 1e-4 * max(1.0, r["max_output"])
