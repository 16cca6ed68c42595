"""The notebook runner behind `make run` (tools/run_notebooks.py)."""
import nbformat
import pytest

from tools import run_notebooks


def test_consecutive_stream_outputs_are_merged_per_stream():
    cell = nbformat.v4.new_code_cell("print('a'); print('b')")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="a\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="b\n"),
                    nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"}),
                    nbformat.v4.new_output("stream", name="stdout", text="c\n"),
                    nbformat.v4.new_output("stream", name="stderr", text="warning\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="d\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="e\n")]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# title"), cell])
    run_notebooks.coalesce_streams(nb)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in nb.cells[1].outputs] == [
        ("stream", "stdout", "a\nb\n"), ("display_data", None, None), ("stream", "stdout", "c\n"),
        ("stream", "stderr", "warning\n"), ("stream", "stdout", "d\ne\n")]


def test_a_missing_notebook_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(SystemExit, match="No such notebook: .*nowhere.ipynb"):
        run_notebooks.run([tmp_path / "nowhere.ipynb"], "quick", write=False, save_images=False)


def test_relative_path_variables_become_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    environ = {"AG_NEWS_DIR": "data/ag_news", "LESSON_CACHE_DIR": str(tmp_path / "cache"), "OTHER": "x"}
    run_notebooks.absolute_path_variables(environ)
    assert environ == {"AG_NEWS_DIR": str(tmp_path / "data" / "ag_news"), "LESSON_CACHE_DIR": str(tmp_path / "cache"),
                       "OTHER": "x"}


def test_a_run_of_named_notebooks_updates_only_their_entries_of_the_summary(tmp_path, monkeypatch):
    import json

    record = tmp_path / "bench" / "notebooks_quick.json"
    record.parent.mkdir()
    record.write_text(json.dumps({"profile": "quick", "notebooks": {"01_a": {"seconds": 1.0, "metrics": {}},
                                                                     "02_b": {"seconds": 2.0, "metrics": {}}}}))
    monkeypatch.setattr(run_notebooks, "ROOT", tmp_path)
    monkeypatch.setattr(run_notebooks, "run", lambda paths, profile, **kw: {"02_b": {"seconds": 5.0, "metrics": {"x": 1}}})
    assert run_notebooks.main(["notebooks/02_b.ipynb", "--profile", "quick"]) == 0
    assert json.loads(record.read_text())["notebooks"] == {"01_a": {"seconds": 1.0, "metrics": {}},
                                                           "02_b": {"seconds": 5.0, "metrics": {"x": 1}}}
    assert run_notebooks.main(["--profile", "quick"]) == 0  # a run of every notebook writes only what ran
    assert json.loads(record.read_text())["notebooks"] == {"02_b": {"seconds": 5.0, "metrics": {"x": 1}}}


def test_a_notebook_run_alone_reads_what_the_other_notebooks_recorded(tmp_path, monkeypatch):
    import json
    import os

    import nbformat

    for name in ("LESSON_PROFILE", "LESSON_STRICT_CLAIMS", "LESSON_IMAGES_DIR", "LESSON_METRICS_FILE"):
        monkeypatch.setenv(name, "")  # restored after the test: run() sets them
    notebook = tmp_path / "04_c.ipynb"
    notebook.write_text("{}")
    seen = {}

    def fake_execute(path, timeout):
        seen.update(json.loads(open(os.environ["LESSON_METRICS_FILE"]).read()))
        return nbformat.v4.new_notebook(), 0.1

    monkeypatch.setattr(run_notebooks, "execute", fake_execute)
    monkeypatch.setattr(run_notebooks, "prepare_assets", lambda: None)
    run_notebooks.run([notebook], "quick", write=False, save_images=False,
                      earlier_metrics={"02_b": {"x": 1.0}, "04_c": {"stale": 0.0}})
    assert seen == {"02_b": {"x": 1.0}}  # its own stale entry is not offered
