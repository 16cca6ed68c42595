"""Notebook 05's exercises: the solutions pass, the templates and plausible wrong answers fail."""
import numpy as np
import pytest

from lesson_utils.latihan import nb05


def run_cell(code, capsys):
    namespace = {"np": np, "nb05": nb05}
    exec(code, namespace)
    return capsys.readouterr().out


@pytest.mark.parametrize("name", ["latihan1", "latihan2", "kuis1"])
def test_solution_passes_and_template_fails(name, capsys):
    item = getattr(nb05, name)
    assert "Benar!" in run_cell(item.cell(solved=True), capsys)
    assert "Benar!" not in run_cell(item.cell(solved=False), capsys)


@pytest.mark.parametrize("wrong", [
    lambda lengths, p: int(np.floor(np.percentile(lengths, p) / 8) * 8),  # rounded down
    lambda lengths, p: int(np.ceil(np.percentile(lengths, p))),  # not a multiple of 8
    lambda lengths, p: int(np.ceil(lengths.max() / 8) * 8),  # the maximum, not the percentile
    lambda lengths, p: np.ceil(np.percentile(lengths, p) / 8) * 8,  # a float
])
def test_wrong_sequence_lengths_fail(wrong, capsys):
    assert nb05.latihan1.cek(wrong) is False
    assert "belum tepat" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, says", [
    (lambda n, b, e: n * e, "contoh"),  # counted in examples, as the original lesson did
    (lambda n, b, e: (n // b) * e, "batch terakhir"),  # the last, smaller batch forgotten
    (lambda n, b, e: -(-n // b), "seharusnya"),  # epochs forgotten
])
def test_wrong_step_counts_fail_with_a_reason(wrong, says, capsys):
    assert nb05.latihan2.cek(wrong) is False
    assert says in capsys.readouterr().out


def test_wrong_quiz_answers_fail(capsys):
    for choice in "acd":
        assert nb05.kuis1.cek(choice) is False
    assert nb05.kuis1.cek("B") is True
