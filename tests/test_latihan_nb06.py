"""Notebook 06's exercises: the solution passes its check, the template and plausible wrong answers fail."""
import numpy as np
import pytest

from lesson_utils.latihan import OK, nb06


def run_cell(code, capsys):
    namespace = {"np": np, "nb06": nb06}
    exec(code, namespace)
    return capsys.readouterr().out


@pytest.mark.parametrize("name", ["latihan1", "latihan2"])
def test_solution_passes_and_template_fails(name, capsys):
    exercise = getattr(nb06, name)
    assert OK in run_cell(exercise.cell(solved=True), capsys)
    out = run_cell(exercise.cell(solved=False), capsys)
    assert OK not in out and "belum tepat" in out


def test_wrong_masks_fail(capsys):
    assert nb06.latihan1.cek(lambda n: np.triu(np.ones((n, n), bool))) is False
    assert "masa depan" in capsys.readouterr().out
    assert nb06.latihan1.cek(lambda n: np.tril(np.ones((n, n), bool), k=-1)) is False  # not even itself
    assert nb06.latihan1.cek(lambda n: np.tril(np.ones((n, n)))) is False  # floats, not booleans
    assert nb06.latihan1.cek(lambda n: np.ones((n, n), bool)) is False


def test_wrong_perplexities_fail(capsys):
    def no_smoothing(train_ids, test_ids, vocab_size):
        counts = np.zeros((vocab_size, vocab_size))
        np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            probs = counts / counts.sum(axis=1, keepdims=True)
            return float(np.exp(-np.log(probs[test_ids[:-1], test_ids[1:]]).mean()))

    def unigram(train_ids, test_ids, vocab_size):
        counts = np.bincount(train_ids, minlength=vocab_size) + 1.0
        return float(np.exp(-np.log(counts / counts.sum())[test_ids[1:]].mean()))

    def column_normalised(train_ids, test_ids, vocab_size):
        counts = np.ones((vocab_size, vocab_size))
        np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
        probs = counts / counts.sum(axis=0, keepdims=True)
        return float(np.exp(-np.log(probs[test_ids[:-1], test_ids[1:]]).mean()))

    for wrong in (no_smoothing, unigram, column_normalised):
        assert nb06.latihan2.cek(wrong) is False, wrong.__name__
        assert OK not in capsys.readouterr().out


def test_quiz(capsys):
    assert nb06.kuis1.cek("b") is True
    assert nb06.kuis1.cek("a") is False
    assert nb06.kuis1.cek("") is False
    assert 'cek("b")' in nb06.kuis1.cell(solved=True)
