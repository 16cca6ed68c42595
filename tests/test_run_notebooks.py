"""The notebook runner behind `make run`."""
import nbformat

from lesson_utils.run_notebooks import coalesce_streams


def test_consecutive_stream_outputs_are_merged_per_stream():
    cell = nbformat.v4.new_code_cell("print('a'); print('b')")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="a\n"),
        nbformat.v4.new_output("stream", name="stdout", text="b\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"}),
        nbformat.v4.new_output("stream", name="stdout", text="c\n"),
        nbformat.v4.new_output("stream", name="stderr", text="warning\n"),
        nbformat.v4.new_output("stream", name="stdout", text="d\n"),
        nbformat.v4.new_output("stream", name="stdout", text="e\n"),
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# title"), cell])
    coalesce_streams(nb)
    outputs = nb.cells[1].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outputs] == [
        ("stream", "stdout", "a\nb\n"),
        ("display_data", None, None),
        ("stream", "stdout", "c\n"),
        ("stream", "stderr", "warning\n"),
        ("stream", "stdout", "d\ne\n"),
    ]
    nbformat.validate(nb)
