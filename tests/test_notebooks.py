"""Hygiene of the stored notebooks, which nbval does not check.

The stored outputs must come from one clean top-to-bottom run (``make run``):
every code cell executed, counts 1, 2, 3... in order, no errors, no stderr
noise, nothing that reveals the machine that produced them.
"""
import getpass
import json
import re
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|<img[^>]+src=\"([^\"]+)\"")
LOCAL_PATH = re.compile(r"(/home/|/root/|/Users/|/work/|/tmp/|/private/var/|[A-Z]:\\\\Users)")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def output_text(output):
    if output["output_type"] == "stream":
        return "".join(output["text"])
    text = output.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else text


def test_the_course_has_its_notebooks():
    names = [p.stem for p in NOTEBOOKS]
    assert names == ["00_cek_lingkungan", "01_perhatian", "02_transformer_dari_nol", "03_bert_tfhub",
                     "04_bert_huggingface"]


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request):
    return request.param, load(request.param)


def test_kernel_is_python3(notebook):
    _, nb = notebook
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_outputs_come_from_one_clean_run(notebook):
    path, nb = notebook
    cells = code_cells(nb)
    counts = [c.get("execution_count") for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(cells)}; regenerate with `make run`"
    )
    assert any(c["outputs"] for c in cells), f"{path.name} has no stored outputs"


def test_printed_text_is_stored_as_one_output_per_stream(notebook):
    # `make run` merges the stream messages of a cell (run_notebooks.coalesce_streams); split
    # messages would make a regenerated notebook differ from the stored one where nothing changed.
    path, nb = notebook
    for index, cell in enumerate(code_cells(nb), start=1):
        kinds = [(o["output_type"], o.get("name")) for o in cell["outputs"]]
        repeated = [k for a, k in zip(kinds, kinds[1:]) if k[0] == "stream" and a == k]
        assert not repeated, f"{path.name}, cell [{index}]: consecutive {repeated[0][1]} outputs; regenerate with `make run`"


def test_no_errors_or_stderr_in_outputs(notebook):
    path, nb = notebook
    for index, cell in enumerate(code_cells(nb), start=1):
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"{path.name}, cell [{index}]: stored error"
            if output["output_type"] == "stream":
                assert output["name"] == "stdout", (
                    f"{path.name}, cell [{index}]: stderr output:\n{output_text(output)[:500]}"
                )


def test_outputs_reveal_no_local_paths_users_or_hosts(notebook):
    path, nb = notebook
    user, host = getpass.getuser(), socket.gethostname()
    for index, cell in enumerate(code_cells(nb), start=1):
        for output in cell["outputs"]:
            text = output_text(output)
            match = LOCAL_PATH.search(text)
            assert not match, f"{path.name}, cell [{index}]: local path in output: ...{text[max(0, match.start() - 40):match.end() + 40]}..."
            assert not re.search(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", text), f"{path.name}, cell [{index}]: host name in output"
            if len(user) > 3 and user != "root":
                assert user not in text, f"{path.name}, cell [{index}]: user name in output"


def test_linked_images_exist(notebook):
    path, nb = notebook
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for match in IMAGE_LINK.finditer("".join(cell["source"])):
            target = match.group(1) or match.group(2)
            assert not target.startswith(("http://", "https://")), f"{path.name}: external image {target}"
            image = (path.parent / target).resolve()
            assert image.is_file(), f"{path.name}: linked image {target} does not exist"
            assert image.parent == ROOT / "images", f"{path.name}: image {target} is not in images/"
