"""Profiles, metric recording for the runner, tables and shared plots."""
import json

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lesson_utils  # noqa: E402
from lesson_utils import plots, profiles, report  # noqa: E402


def test_profiles_have_the_same_sizes_everywhere():
    keys = {name: {section: set(values) for section, values in table.items()} for name, table in profiles.PROFILES.items()}
    assert keys["quick"] == keys["default"] == keys["full"]
    assert set(profiles.PROFILES) == {"quick", "default", "full"}


def test_profile_choice_and_unknown_name(monkeypatch):
    monkeypatch.delenv(profiles.PROFILE_ENV, raising=False)
    assert lesson_utils.profile().name == "default"
    monkeypatch.setenv(profiles.PROFILE_ENV, "quick")
    assert lesson_utils.profile().name == "quick"
    assert lesson_utils.profile().ag_news.train == profiles.PROFILES["quick"]["ag_news"]["train"]
    with pytest.raises(ValueError, match="Unknown profile 'fast'.*quick, default, full.*LESSON_PROFILE"):
        lesson_utils.profile("fast")


def test_quick_is_smaller_than_default():
    for section, values in profiles.PROFILES["quick"].items():
        for key, quick in values.items():
            default = profiles.PROFILES["default"][section][key]
            if isinstance(quick, int) and key.endswith(("train", "test", "epochs", "examples")):
                assert default is None or quick <= default, f"{section}.{key}"


def test_record_metrics_merges_into_the_runner_file(tmp_path, monkeypatch):
    target = tmp_path / "metrics.json"
    monkeypatch.setenv(report.METRICS_ENV, str(target))
    report.record_metrics("02_x", test_accuracy=np.float32(0.875))
    report.record_metrics("02_x", epochs=5)
    assert json.loads(target.read_text()) == {"02_x": {"epochs": 5.0, "test_accuracy": 0.875}}
    assert not list(tmp_path.glob(".*tmp*"))  # the temporary file was renamed into place


def test_record_metrics_without_runner_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(report.METRICS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert report.record_metrics("x", a=1) == {"a": 1.0}
    assert list(tmp_path.iterdir()) == []


def test_format_table():
    assert report.format_table([("a", 0.5), ("b", 2)], ("name", "value")).splitlines() == [
        "| name | value |",
        "|---|---|",
        "| a | 0.500 |",
        "| b | 2 |",
    ]


def test_confusion_matrix_counts():
    m = plots.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_save_figure_only_when_the_runner_asks(tmp_path, monkeypatch):
    fig = plots.plot_confusion_matrix([0, 1], [0, 1], ["a", "b"])
    monkeypatch.delenv(plots.IMAGES_ENV, raising=False)
    assert plots.save_figure(fig, "cm") is None
    monkeypatch.setenv(plots.IMAGES_ENV, str(tmp_path))
    assert plots.save_figure(fig, "cm") == tmp_path / "cm.png"
    assert (tmp_path / "cm.png").read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in tmp_path.iterdir()] == ["cm.png"]


def test_plot_history_accepts_one_or_several_runs():
    class History:
        history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7]}

    fig = plots.plot_history(History())
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2
    fig = plots.plot_history({"frozen": History(), "fine-tuned": History()}, metrics=("accuracy",))
    assert len(fig.axes[0].lines) == 4
