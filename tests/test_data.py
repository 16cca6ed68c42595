"""AG News: the CSV reader (the data set's own layout and the usual deviations), the course sample rule,
and the profile's splits."""
import os

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


def write_dir(tmp_path, train=GOOD_ROWS, test=GOOD_ROWS, classes="World\nSports\nBusiness\nSci/Tech\n", mode="w"):
    folder = tmp_path / "ag_news"
    folder.mkdir(exist_ok=True)
    for name, text in (("train.csv", train), ("test.csv", test), ("classes.txt", classes)):
        if text is not None:
            (folder / name).write_bytes(text) if isinstance(text, bytes) else (folder / name).write_text(text, "utf-8")
    return folder


def test_elements_match_tfds_ag_news_subset(tmp_path):
    train_ds, test_ds = data.load_ag_news(write_dir(tmp_path))
    assert train_ds.element_spec == {"description": tf.TensorSpec((), tf.string), "label": tf.TensorSpec((), tf.int64),
                                     "title": tf.TensorSpec((), tf.string)}
    rows = list(train_ds.as_numpy_iterator())
    assert [r["label"] for r in rows] == [2, 0, 1, 3]  # the CSV's 1-4 become 0-3
    assert rows[1]["title"] == b"Talks, at last"
    assert rows[1]["description"] == b'Leaders met in Geneva \\n and agreed on "next steps".'  # as tfds keeps it


@pytest.mark.parametrize("variant", ["byte order mark", "header row", "blank lines", "CRLF"])
def test_usual_deviations_of_copies_are_read_the_same(tmp_path, variant):
    text = {"byte order mark": "\ufeff" + GOOD_ROWS,
            "header row": '"Class Index","Title","Description"\n' + GOOD_ROWS,
            "blank lines": GOOD_ROWS + "\n\n",
            "CRLF": GOOD_ROWS.replace("\n", "\r\n")}[variant]
    titles, descriptions, labels = data.read_ag_news_csv(write_dir(tmp_path, train=text) / "train.csv")
    assert labels.tolist() == [2, 0, 1, 3] and titles[0] == "Oil prices rise"


@pytest.mark.parametrize("train, message, line", [
    ('"5","Title","Text"\n', "class index '5' is not 1-4", 5),
    ('"1","Only a title"\n', "expected 3 fields", 5),
    ('"1","Multi\nline title","Text"\n"9","x","y"\n', "class index '9' is not 1-4", 7),
    ('"1","' + "x" * (data.MAX_FIELD + 10) + '","Text"\n', "field larger than field limit", 5),
])
def test_malformed_rows_name_file_line_and_fix(tmp_path, train, message, line):
    folder = write_dir(tmp_path, train=GOOD_ROWS + train)
    with pytest.raises(data.DataError) as error:
        data.load_ag_news(folder)
    text = str(error.value)
    assert message in text and f"train.csv, line {line}" in text and "AG_NEWS_DIR" in text


def test_bad_bytes_and_empty_files(tmp_path):
    folder = write_dir(tmp_path, train=GOOD_ROWS.encode() + b'"1","caf\xe9","latin-1"\n')
    with pytest.raises(data.DataError, match="train.csv, near line .*not UTF-8.*Save it as UTF-8"):
        data.load_ag_news(folder)
    with pytest.raises(data.DataError, match="holds no rows"):
        data.load_ag_news(write_dir(tmp_path, train=""))


def test_missing_folder_file_relative_path_and_foreign_classes(tmp_path, monkeypatch):
    with pytest.raises(data.DataError, match="AG News folder not found.*AG_NEWS_DIR.*download"):
        data.load_ag_news(tmp_path / "nowhere")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(data.DataError, match=rf"not found: {tmp_path}/relative/ag.*'relative/ag' is relative"):
        data.load_ag_news("relative/ag")
    with pytest.raises(data.DataError, match="lacks test.csv.*AG_NEWS_DIR"):
        data.load_ag_news(write_dir(tmp_path, test=None))
    (tmp_path / "ag_news" / "test.csv").write_text(GOOD_ROWS)
    with pytest.raises(data.DataError, match="this is not AG News"):
        data.load_ag_news(write_dir(tmp_path, classes="pos\nneg\n"))


def test_failed_download_names_both_fixes(monkeypatch):
    import tensorflow_datasets as tfds

    def offline(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    monkeypatch.setattr(tfds, "load", offline)
    with pytest.raises(data.DataError) as error:
        data.load_splits()
    assert "ConnectionError: no network" in str(error.value) and "AG_NEWS_DIR" in str(error.value)


def sample_rows():
    folder = os.environ.get(data.DATA_DIR_ENV)
    if not folder:
        pytest.skip("AG_NEWS_DIR is not set (no local AG News sample on this machine)")
    return {split: data.read_ag_news_csv(os.path.join(folder, f"{split}.csv")) for split in data.SPLITS}


def low_hash_rows(label, below, n, seed):
    """``n`` made-up rows of ``label`` whose sample key sorts before ``below``."""
    rows, i = [], 0
    while len(rows) < n:
        title, description = f"made-up {seed} {i}", "filler"
        if data.sample_key(title, description) < below:
            rows.append((title, description, label))
        i += 1
    return rows


def test_the_course_sample_is_the_rule_applied_to_the_official_test_split():
    """The official test split = the sample's 7,000 rows + 150 a class that rank first; the rule gives the sample back."""
    sample = sample_rows()
    rows = [(t, d, int(y), split) for split in ("test", "train") for t, d, y in zip(*sample[split])]
    for label in range(4):
        lowest = min(data.sample_key(t, d) for t, d, y, _ in rows if y == label)
        rows += [(t, d, y, None) for t, d, y in low_hash_rows(label, lowest, 150, label)]
    order = np.random.default_rng(0).permutation(len(rows))  # any file order
    official = [rows[i] for i in order]
    titles, descriptions, labels, split = zip(*official)
    index = data.course_sample(list(titles), list(descriptions), np.array(labels))
    for name in ("train", "test"):
        assert sorted((titles[i], descriptions[i]) for i in index[name]) == sorted(zip(*sample[name][:2]))
        assert list(index[name]) == sorted(index[name])  # the file's order is kept
    with pytest.raises(data.DataError, match="7,600 rows"):
        data.course_sample(["a"], ["b"], np.array([0]))


def test_splits_are_stratified_disjoint_deterministic_and_nested():
    sizes = type("Sizes", (), {"source": "sample", "train": 100, "val": 20, "test": 30})
    splits = data.load_splits(sizes)
    for name, n in (("train", 100), ("val", 20), ("test", 30)):
        texts, labels = getattr(splits, name)
        assert np.bincount(labels).tolist() == [n] * 4 and len(set(texts)) == 4 * n
    assert not set(splits.train[0]) & set(splits.val[0]) and not set(splits.train[0]) & set(splits.test[0])
    again = data.load_splits(sizes)
    assert (again.train[0] == splits.train[0]).all() and (again.test[1] == splits.test[1]).all()
    bigger = data.load_splits(type("Sizes", (), {"source": "sample", "train": 100, "val": 40, "test": 60}))
    assert set(splits.val[0]) <= set(bigger.val[0]) and set(splits.test[0]) <= set(bigger.test[0])
    with pytest.raises(ValueError, match="fewer than"):
        data.load_splits(type("Sizes", (), {"source": "sample", "train": 2000, "val": 20, "test": 30}))


def test_the_text_is_title_space_description():
    sample = sample_rows()
    splits = data.load_splits(type("Sizes", (), {"source": "sample", "train": 1, "val": 1, "test": 1}))
    joined = {f"{t} {d}" for t, d in zip(*sample["train"][:2])}
    assert set(splits.train[0]) <= joined
