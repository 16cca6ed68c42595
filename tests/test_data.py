"""AG News loading from CSV fixtures written here, and stratified subsets."""
import numpy as np
import pytest
import tensorflow as tf

from lesson_utils import data

GOOD_ROWS = (
    '"3","Oil prices rise","Crude futures climbed on Monday, traders said."\n'
    '"1","Talks, at last","Leaders met in Geneva \\n and agreed on ""next steps""."\n'
    '"2","Cup final","A late goal decided it."\n'
    '"4","New chip","Faster, smaller, cheaper."\n'
)


def write_dir(tmp_path, train=GOOD_ROWS, test=GOOD_ROWS, classes="World\nSports\nBusiness\nSci/Tech\n"):
    folder = tmp_path / "ag_news"
    folder.mkdir()
    if train is not None:
        (folder / "train.csv").write_text(train, encoding="utf-8")
    if test is not None:
        (folder / "test.csv").write_text(test, encoding="utf-8")
    if classes is not None:
        (folder / "classes.txt").write_text(classes, encoding="utf-8")
    return folder


def test_elements_match_tfds_ag_news_subset(tmp_path):
    train_ds, test_ds = data.load_ag_news(write_dir(tmp_path))
    assert train_ds.element_spec == {
        "description": tf.TensorSpec((), tf.string),
        "label": tf.TensorSpec((), tf.int64),
        "title": tf.TensorSpec((), tf.string),
    }
    rows = list(train_ds.as_numpy_iterator())
    assert [r["label"] for r in rows] == [2, 0, 1, 3]  # the CSV's 1-4 become 0-3
    assert rows[0]["description"] == b"Crude futures climbed on Monday, traders said."
    # Quoted commas and doubled quotes are parsed; the escaped "\n" stays as in tfds.
    assert rows[1]["title"] == b"Talks, at last"
    assert rows[1]["description"] == b'Leaders met in Geneva \\n and agreed on "next steps".'
    assert len(list(test_ds)) == 4


def test_one_split_and_unknown_split(tmp_path):
    folder = write_dir(tmp_path, test='"2","Only","one"\n')
    assert [r["label"] for r in data.load_ag_news(folder, split="test").as_numpy_iterator()] == [1]
    with pytest.raises(ValueError, match="Unknown split 'validation'.*'train' and 'test'"):
        data.load_ag_news(folder, split="validation")


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(write_dir(tmp_path)))
    train_ds, _ = data.load_ag_news()
    assert len(list(train_ds)) == 4


@pytest.mark.parametrize(
    "train, message",
    [
        ('"5","Title","Text"\n', "class index '5' is not 1-4"),
        ('"x","Title","Text"\n', "class index 'x' is not 1-4"),
        ('"1","Only a title"\n', "expected 3 fields"),
        ("", "holds no rows"),
    ],
)
def test_malformed_rows_name_file_line_and_fix(tmp_path, train, message):
    folder = write_dir(tmp_path, train=GOOD_ROWS + train if train else train)
    with pytest.raises(data.DataError) as error:
        data.load_ag_news(folder)
    text = str(error.value)
    assert message in text
    assert "train.csv" in text
    if train:
        assert "line 5" in text
    assert "AG_NEWS_DIR" in text and "tfds.load" in text


def test_missing_folder_and_missing_file(tmp_path):
    with pytest.raises(data.DataError, match="AG News folder not found.*AG_NEWS_DIR.*download"):
        data.load_ag_news(tmp_path / "nowhere")
    with pytest.raises(data.DataError, match="lacks test.csv.*AG_NEWS_DIR"):
        data.load_ag_news(write_dir(tmp_path, test=None))


def test_foreign_classes_file(tmp_path):
    with pytest.raises(data.DataError, match="this is not AG News"):
        data.load_ag_news(write_dir(tmp_path, classes="pos\nneg\n"))


def test_failed_download_names_both_fixes(monkeypatch):
    import tensorflow_datasets as tfds

    def offline(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    monkeypatch.setattr(tfds, "load", offline)
    with pytest.raises(data.DataError) as error:
        data.load_ag_news()
    assert "ConnectionError: no network" in str(error.value)
    assert "AG_NEWS_DIR" in str(error.value) and "internet" in str(error.value)


def test_stratified_indices_keep_proportions_and_are_deterministic():
    labels = np.repeat([0, 1, 2, 3], [100, 200, 300, 400])
    idx = data.stratified_indices(labels, 100, seed=3)
    assert len(idx) == len(set(idx)) == 100
    assert np.bincount(labels[idx]).tolist() == [10, 20, 30, 40]
    np.testing.assert_array_equal(idx, data.stratified_indices(labels, 100, seed=3))
    assert not np.array_equal(idx, data.stratified_indices(labels, 100, seed=4))
    assert sorted(data.stratified_indices(labels, None)) == list(range(1000))
    assert len(data.stratified_indices(labels, 7)) == 7  # rounding still gives exactly n
    with pytest.raises(ValueError, match="must be positive"):
        data.stratified_indices(labels, 0)


def test_load_arrays_joins_title_and_description(tmp_path):
    (x, y), (xt, yt) = data.load_ag_news_arrays(4, 2, data_dir=write_dir(tmp_path), seed=0)
    assert len(x) == 4 and len(xt) == 2
    assert "Oil prices rise Crude futures climbed on Monday, traders said." in set(x)
    assert sorted(y.tolist()) == [0, 1, 2, 3]


def test_shared_sample_is_balanced():
    if not data.os.environ.get(data.DATA_DIR_ENV):
        pytest.skip("AG_NEWS_DIR is not set (no local AG News sample on this machine)")
    (x, y), (xt, yt) = data.load_ag_news_arrays(400, 200)
    assert np.bincount(y).tolist() == [100] * 4
    assert np.bincount(yt).tolist() == [50] * 4
