"""The exercises (Latihan) and quizzes (Kuis): solutions pass, empty and typical wrong answers fail with a message."""
import json
import re
from pathlib import Path

import numpy as np
import pytest
import tf_keras as keras

from lesson_utils import latihan
from lesson_utils.latihan import Exercise, Quiz

ROOT = Path(__file__).resolve().parents[1]
LESSONS = {f"nb{p.name[:2]}": p for p in sorted((ROOT / "notebooks").glob("0[1-9]_*.ipynb"))}


def namespace(notebook):
    ns = {"np": np, "keras": keras, notebook: getattr(latihan, notebook)}
    if notebook == "nb04":
        from transformers import BertTokenizerFast

        from lesson_utils import pretrained

        ns["tokenizer"] = BertTokenizerFast.from_pretrained(pretrained.handles()["hf_model"])
    return ns


def run_cell(notebook, code, capsys):
    """Execute an answer cell as the notebook would; returns (the check's result, what it printed)."""
    ns = namespace(notebook)
    body, call = code.rsplit("\n\n", 1) if "\n\n" in code else ("", code)
    exec(body, ns)  # noqa: S102 - the course's own solutions and test answers
    result = eval(call.split("\n")[0], ns)  # the call's first line is the check
    return result, capsys.readouterr().out


def items(notebooks=("nb01", "nb02", "nb03", "nb04", "nb05", "nb06")):
    return [pytest.param(nb, item, id=f"{nb}.{name}") for nb in notebooks
            for name, item in vars(getattr(latihan, nb)).items() if isinstance(item, Exercise)]


@pytest.mark.parametrize(("notebook", "exercise"), items())
def test_solution_passes_and_template_is_unanswered(notebook, exercise, capsys):
    result, out = run_cell(notebook, exercise.cell(solved=True), capsys)
    assert result is True and "Benar!" in out, out
    result, out = run_cell(notebook, exercise.cell(solved=False), capsys)
    assert result is False and ("belum" in out) and "Traceback" not in out, out


WRONG = {
    ("nb01", "latihan1"): [
        ("def skor_aditif(query, keys, W_q, W_k, v):\n    return np.tanh(query @ W_q + keys @ W_k)", "mengalikan dengan v"),
        ("def skor_aditif(query, keys, W_q, W_k, v):\n    return (query @ W_q + keys @ W_k) @ v", "nilainya berbeda"),
    ],
    ("nb01", "latihan2"): [
        ("def softmax_bermask(scores, mask):\n    e = np.exp(scores)\n    return e / e.sum(-1, keepdims=True)",
         "masih mendapat bobot"),
        ("def softmax_bermask(scores, mask):\n    e = np.exp(scores) * mask\n    return e / e.sum(0, keepdims=True)",
         "berjumlah 1"),
    ],
    ("nb01", "latihan3"): [
        ("def vektor_konteks(weights, values):\n    return weights[:, :, None] * values", "jumlahkan juga"),
        ("def vektor_konteks(weights, values):\n    return values.mean(axis=1)", "nilainya berbeda"),
    ],
    ("nb02", "latihan1"): [
        ("def mask_perhatian(token_ids):\n    return token_ids != 0", "(batch, query, key)"),
        ("def mask_perhatian(token_ids):\n    r = token_ids != 0\n    return ~(r[:, :, None] & r[:, None, :])", "terbalik"),
        ("def mask_perhatian(token_ids):\n    r = token_ids != 0\n    return np.broadcast_to(r[:, None, :], r.shape + r.shape[-1:])",
         "query padding"),
    ],
    ("nb02", "latihan2"): [
        ("def porsi_padding(lengths, maxlen):\n    return float(np.mean(maxlen - np.asarray(lengths)) / maxlen)", "dipotong"),
        ("def porsi_padding(lengths, maxlen):\n    return (maxlen - np.minimum(lengths, maxlen)) / maxlen", "satu angka"),
    ],
    ("nb02", "latihan3"): [
        ("def scaled_dot_product(q, k, v, mask):\n    s = q @ np.swapaxes(k, -1, -2)\n    s = np.where(mask, s, -1e9)\n"
         "    w = np.exp(s - s.max(-1, keepdims=True)); w = w / w.sum(-1, keepdims=True)\n    return w @ v, w", "sqrt(d_k)"),
        ("def scaled_dot_product(q, k, v, mask):\n    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])\n"
         "    w = np.exp(s - s.max(-1, keepdims=True)); w = w / w.sum(-1, keepdims=True)\n    return w @ v, w", "mask belum"),
        ("def scaled_dot_product(q, k, v, mask):\n    return q", "dua nilai"),
    ],
    ("nb03", "latihan1"): [
        ("def langkah_jadwal(n, b, e):\n    return n * e, round(0.1 * n * e)", "dalam contoh"),
        ("def langkah_jadwal(n, b, e):\n    return (n // b) * e, round(0.1 * (n // b) * e)", "bulatkan ke atas"),
        ("def langkah_jadwal(n, b, e):\n    return -(-n // b) * e, 0", "seharusnya"),
    ],
    ("nb03", "latihan2"): [
        ("def rata_rata_token(s, m):\n    return s.mean(axis=1)", "padding ikut terhitung"),
        ("def rata_rata_token(s, m):\n    return (s * m[:, :, None]).sum(1) / s.shape[1]", "pembaginya"),
    ],
    ("nb03", "latihan3"): [
        ("def pilih_seq_length(lengths, coverage):\n    return int(np.percentile(lengths, 100 * coverage))", "kelipatan 8"),
        ("def pilih_seq_length(lengths, coverage):\n    return max(lengths)", "seharusnya"),
    ],
    ("nb04", "latihan1"): [
        ("def buat_loss():\n    return keras.losses.SparseCategoricalCrossentropy()", "logits"),
        ("def buat_loss():\n    return 0.5", "objek loss"),
    ],
    ("nb04", "latihan2"): [
        ("def batch_dinamis(ds, b):\n    return ds.padded_batch(b, padded_shapes=[8])", "padded_shapes None"),
        ("def batch_dinamis(ds, b):\n    return [1, 2]", "tf.data.Dataset"),
    ],
    ("nb06", "latihan3"): [
        ("def saring_top_k(logits, k):\n    return np.sort(logits, axis=-1)[:, -k:]", "bukan hanya k nilai"),
        ("def saring_top_k(logits, k):\n    kth = np.sort(logits, axis=-1)[:, -k][:, None]\n"
         "    return np.where(logits >= kth, -np.inf, logits)", "terbalik"),
        ("def saring_top_k(logits, k):\n    kth = np.sort(logits, axis=0)[-k]\n"
         "    return np.where(logits >= kth, logits, -np.inf)", "per baris"),
    ],
    ("nb04", "latihan3"): [
        ("kalimat_a, kalimat_b = 'the cat sat on the mat.', 'it was tired.'\n"
         "pasangan = tokenizer(kalimat_a + ' ' + kalimat_b)", "digabung"),
        ("pasangan = tokenizer('it was tired.', 'the cat sat on the mat.')", "input_ids berbeda"),
        ("pasangan = {'input_ids': tokenizer(*latihan.PAIR)['input_ids'], 'token_type_ids': [0] * 13}",
         "token_type_ids"),
    ],
}


@pytest.mark.parametrize(("key", "code", "message"), [
    pytest.param(key, code, message, id=f"{key[0]}.{key[1]}-{i}")
    for key, cases in WRONG.items() for i, (code, message) in enumerate(cases)])
def test_typical_wrong_answers_fail_and_say_why(key, code, message, capsys):
    notebook, name = key
    exercise = getattr(getattr(latihan, notebook), name)
    ns = namespace(notebook)
    ns["latihan"] = latihan
    exec(code, ns)  # noqa: S102
    answer = re.search(r"\.cek\((\w+)\)", exercise.call).group(1)
    assert exercise.cek(ns[answer]) is False
    out = capsys.readouterr().out
    assert "belum tepat" in out and message in out and "Traceback" not in out, out


def test_every_wrong_answer_case_names_an_exercise():
    for notebook, name in WRONG:
        assert isinstance(getattr(getattr(latihan, notebook), name, None), Exercise), (notebook, name)


def test_a_crashing_answer_is_reported_without_traceback(capsys):
    def broken(*args):
        return 1 / 0

    assert latihan.nb01.latihan1.cek(broken) is False
    out = capsys.readouterr().out
    assert "ZeroDivisionError" in out and "Traceback" not in out


@pytest.mark.parametrize("notebook", ["nb01", "nb02", "nb03", "nb04", "nb05", "nb06"])
def test_quizzes_accept_only_their_answer(notebook, capsys):
    quizzes = [q for q in latihan.exercises(notebook) if isinstance(q, Quiz)]
    for quiz in quizzes:
        assert quiz.answer in quiz.why and len(quiz.why) >= 3
        assert quiz.cek(quiz.answer) is True
        assert all(quiz.cek(other) is False for other in quiz.why if other != quiz.answer)
        assert quiz.cek("") is False and quiz.cek("z") is False
        assert 'cek("")' in quiz.call
    out = capsys.readouterr().out
    assert out.count("Benar!") == len(quizzes)


@pytest.mark.parametrize("notebook", sorted(LESSONS))
def test_every_lesson_has_exercises_and_quizzes_in_its_notebook(notebook):
    found = latihan.exercises(notebook)
    assert sum(isinstance(i, Exercise) for i in found) >= 3, f"{notebook}: at least 3 exercises"
    assert sum(isinstance(i, Quiz) for i in found) >= 3, f"{notebook}: at least 3 quizzes"
    cells = ["".join(c["source"]) for c in json.loads(LESSONS[notebook].read_text())["cells"] if c["cell_type"] == "code"]
    marks = [c.split("\n", 1)[0] for c in cells if c.startswith(("# LATIHAN ", "# KUIS "))]
    names = [name for name, item in vars(getattr(latihan, notebook)).items() if isinstance(item, (Exercise, Quiz))]
    assert sorted(m.split(".", 1)[1] for m in marks) == sorted(names), (notebook, marks, names)
    assert any(f"from lesson_utils.latihan import {notebook}" in c for c in cells)
