"""The stored notebooks: one clean run each, generated parts in step with their source, and the language.

nbval re-executes the notebooks; these checks cover what it does not: the stored outputs come from one
clean top-to-bottom run (`make run`), reveal nothing about the machine, the set-up cell, badges and saved
lesson code agree with their one source (`make sync`), and the prose keeps the glossary (notebooks/ISTILAH.md).
"""
import getpass
import json
import re
import socket
from pathlib import Path

import pytest

from tools import sync_notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|<img[^>]+src=\"([^\"]+)\"")
BADGE_IMAGES = ("https://colab.research.google.com/assets/colab-badge.svg",
                "https://kaggle.com/static/images/open-in-kaggle.svg")
LOCAL_PATH = re.compile(r"(/home/|/root/|/Users/|/work/|/tmp/|/private/var/|[A-Z]:\\\\Users)")
# Variants that the glossary (notebooks/ISTILAH.md) replaces, as (pattern, what to write instead).
BAD_VARIANTS = [
    (r"\batensi\b", "perhatian"),
    (r"(?<!random )\bseed\b(?! acak)(?!\* acak)", "pelajaran asli (the original lesson) or *seed* acak (a random seed)"),
    (r"\bpelajaran asal\b|\bversi awal\b", "pelajaran asli"),
    (r"\bgrafik (TensorFlow|komputasi)\b|\bdi dalam grafik\b", "graf komputasi"),
    (r"\bmatriks (kebingungan|konfusi)\b", "*confusion matrix*"),
    (r"diperlihatkan bekerja|menggeser mereka|massa histogram|tanpa memotong hampir satu teks pun", "plain Indonesian"),
    (r"(?<![\w.,])\d+,\d{1,2}(?![\d,])", "a decimal point (0.25), as in the printed outputs"),
    (r"(?<![\w.,])[1-9]\d{0,2}\.\d{3}(?![\d.])", "a thousands comma (5,600), as in the printed outputs"),
]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def prose(nb):
    """Markdown without code spans, formulas and links (their text is not prose)."""
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)", " ", text, flags=re.S)


def output_text(output):
    if output["output_type"] == "stream":
        return "".join(output["text"])
    text = output.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else text


def test_the_course_has_its_notebooks_and_glossary():
    assert [p.stem for p in NOTEBOOKS] == ["00_cek_lingkungan", "01_perhatian", "02_transformer_dari_nol",
                                           "03_bert_tfhub", "04_bert_huggingface", "05_bert_kerashub",
                                           "06_gpt_dari_nol"]
    assert "perhatian" in (ROOT / "notebooks" / "ISTILAH.md").read_text(encoding="utf-8")


def test_generated_parts_agree_with_their_source(capsys):
    """Set-up cells, badges (from pyproject's Repository URL) and lesson_utils' saved lesson code: `make sync`."""
    assert sync_notebooks.main(["--check"]) == 0, capsys.readouterr().out


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request):
    return request.param, load(request.param)


def test_kernel_and_first_cells(notebook):
    path, nb = notebook
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    cells = code_cells(nb)
    assert "".join(cells[0]["source"]).startswith(sync_notebooks.SETUP_MARK)
    assert cells[0]["outputs"] == [], f"{path.name}: the set-up cell must do nothing in this environment"
    assert "".join(cells[1]["source"]).startswith("import lesson_utils")
    assert sync_notebooks.BADGE_START in "".join(nb["cells"][0]["source"])


def test_outputs_come_from_one_clean_run(notebook):
    path, nb = notebook
    cells = code_cells(nb)
    counts = [c.get("execution_count") for c in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: execution counts {counts}; regenerate: `make run`"
    for index, cell in enumerate(cells, start=1):
        kinds = [(o["output_type"], o.get("name")) for o in cell["outputs"]]
        assert not [k for a, k in zip(kinds, kinds[1:]) if k[0] == "stream" and a == k], f"{path.name} [{index}]"
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"{path.name}, cell [{index}]: stored error"
            assert output.get("name", "stdout") == "stdout", \
                f"{path.name}, cell [{index}]: stderr output:\n{output_text(output)[:500]}"


def test_outputs_reveal_no_local_paths_users_or_hosts(notebook):
    path, nb = notebook
    user, host = getpass.getuser(), socket.gethostname()
    for index, cell in enumerate(code_cells(nb), start=1):
        for output in cell["outputs"]:
            text = output_text(output)
            match = LOCAL_PATH.search(text)
            assert not match, f"{path.name}, cell [{index}]: local path: ...{text[max(0, match.start() - 40):][:100]}"
            assert not re.search(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", text), f"{path.name} [{index}]: host name"
            if len(user) > 3 and user != "root":
                assert user not in text, f"{path.name}, cell [{index}]: user name in output"


def test_markers_and_no_printed_source(notebook):
    path, nb = notebook
    for cell in code_cells(nb):
        source = "".join(cell["source"])
        assert "NBVAL_IGNORE_OUTPUT" not in source, f"{path.name}: --nbval-lax ignores unmarked cells anyway"
        assert "NBVAL_CHECK_OUTPUT" not in source or source.startswith("# NBVAL_CHECK_OUTPUT"), path.name
        assert "inspect.getsource" not in source, f"{path.name}: write the code in the notebook (#@save)"


def test_prose_keeps_the_glossary(notebook):
    path, nb = notebook
    text = prose(nb)
    for pattern, instead in BAD_VARIANTS:
        match = re.search(pattern, text, flags=re.I)
        assert not match, f"{path.name}: {match.group(0)!r} in the prose ...{text[max(0, match.start() - 60):][:140]}" \
                          f"... write {instead} (notebooks/ISTILAH.md)"


def test_linked_images_exist(notebook):
    path, nb = notebook
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for match in IMAGE_LINK.finditer("".join(cell["source"])):
            target = match.group(1) or match.group(2)
            if target in BADGE_IMAGES:
                continue
            assert not target.startswith(("http://", "https://")), f"{path.name}: external image {target}"
            image = (path.parent / target).resolve()
            assert image.is_file() and image.parent == ROOT / "images", f"{path.name}: image {target}"
