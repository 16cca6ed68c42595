"""Profiles, metric recording, tables, predictions and the shared plots."""
import json

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lesson_utils  # noqa: E402
from lesson_utils import data, plots, profiles, report  # noqa: E402


def test_profiles_have_the_same_keys_and_quick_is_smallest():
    keys = {name: {section: set(values) for section, values in table.items()} for name, table in profiles.PROFILES.items()}
    assert keys["quick"] == keys["default"] == keys["full"]
    assert profiles.PROFILES["default"]["ag_news"]["source"] == "sample"
    assert profiles.PROFILES["full"]["ag_news"] == {"source": "full", "train": None, "val": 1000, "test": None}
    for section, values in profiles.PROFILES["quick"].items():
        for key, quick in values.items():
            default = profiles.PROFILES["default"][section][key]
            if isinstance(quick, int) and not isinstance(quick, bool):
                assert default is None or quick <= default, f"{section}.{key}"


def test_profile_choice_and_unknown_name(monkeypatch):
    monkeypatch.delenv(profiles.PROFILE_ENV, raising=False)
    assert lesson_utils.profile().name == "default"
    monkeypatch.setenv(profiles.PROFILE_ENV, "quick")
    assert lesson_utils.profile().ag_news.train == profiles.PROFILES["quick"]["ag_news"]["train"]
    with pytest.raises(ValueError, match="Unknown profile 'fast'.*quick, default, full.*LESSON_PROFILE"):
        lesson_utils.profile("fast")


def test_record_metrics_merges_into_one_file(tmp_path, monkeypatch):
    target = tmp_path / "metrics.json"
    monkeypatch.setenv(report.METRICS_ENV, str(target))
    report.record_metrics("02_x", test_accuracy=np.float32(0.875))
    report.record_metrics("02_x", epochs=5)
    report.record_metrics("03_y", a=1)
    assert json.loads(target.read_text()) == {"02_x": {"epochs": 5.0, "test_accuracy": 0.875}, "03_y": {"a": 1.0}}
    assert report.read_metrics()["03_y"] == {"a": 1.0}
    assert not list(tmp_path.glob(".*tmp*"))  # the temporary file was renamed into place


def test_without_the_runner_metrics_go_to_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(report.METRICS_ENV, raising=False)
    monkeypatch.setenv("LESSON_CACHE_DIR", str(tmp_path))
    report.record_metrics("x", a=1)
    assert json.loads((tmp_path / f"metrics-{profiles.profile_name()}.json").read_text()) == {"x": {"a": 1.0}}


def test_format_table():
    assert report.format_table([("a", 0.5), ("b", 2)], ("name", "value")).splitlines() == [
        "| name | value |", "|---|---|", "| a | 0.500 |", "| b | 2 |"]


def test_show_predictions(capsys):
    probabilities = report.show_predictions(["Oil prices rise", "Cup final tonight"],
                                            lambda texts: np.array([[0.1, 0.1, 0.7, 0.1], [0.05, 0.9, 0.03, 0.02]]),
                                            data.CLASS_NAMES)
    out = capsys.readouterr().out
    assert "| Oil prices rise | Business | 0.700 |" in out and "| Cup final tonight | Sports | 0.900 |" in out
    assert probabilities.shape == (2, 4)
    with pytest.raises(ValueError, match="shape"):
        report.show_predictions(["x"], lambda texts: np.ones((1, 3)), data.CLASS_NAMES)


def test_confusion_matrix_and_the_most_frequent_confusions():
    m = plots.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert plots.off_diagonal([0, 0, 1, 3, 3, 2], [1, 1, 0, 2, 2, 3], ["a", "b", "c", "d"], top=2) == [
        (3, "a", "b"), (3, "c", "d")]


def test_save_figure_only_when_the_runner_asks(tmp_path, monkeypatch):
    fig = plots.plot_confusion_matrix([0, 1], [0, 1], ["a", "b"])
    monkeypatch.delenv(plots.IMAGES_ENV, raising=False)
    assert plots.save_figure(fig, "cm") is None
    monkeypatch.setenv(plots.IMAGES_ENV, str(tmp_path))
    assert plots.save_figure(fig, "cm") == tmp_path / "cm.png"
    assert (tmp_path / "cm.png").read_bytes()[:4] == b"\x89PNG" and [p.name for p in tmp_path.iterdir()] == ["cm.png"]


def test_plot_history_and_lengths():
    class History:
        history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7]}

    assert len(plots.plot_history(History()).axes[0].lines) == 2
    assert len(plots.plot_history({"a": History(), "b": History()}, metrics=("accuracy",)).axes[0].lines) == 4
    fig = plots.plot_lengths([3, 5, 8, 8, 30], {"maxlen": 16})
    assert [line.get_xdata()[0] for line in fig.axes[0].lines] == [16]
