"""The benchmark's arithmetic and report (the measurements themselves run in `make bench`)."""
import json

import pytest

from tools import bench

FAKE = {
    "machine": "x86_64, 2 CPU cores", "date": "2026-01-01", "profile": "default",
    "scratch": {"original": {"examples_per_s": 100.0, "epoch_s": 56.0, "test_accuracy": 0.83, "maxlen": 256.0},
                "lesson": {"examples_per_s": 500.0, "epoch_s": 11.2, "test_accuracy": 0.86, "maxlen": 64.0}},
    "frozen_head": {"original_s": 60.0, "cached_s": 10.0, "examples": 512.0, "epochs": 5.0},
    "finetune": {"fixed_examples_per_s": 10.0, "dynamic_examples_per_s": 15.0, "bucket_examples_per_s": 17.0,
                 "float32_frozen_embeddings_examples_per_s": 20.0, "lesson_examples_per_s": 20.0,
                 "lesson_gflop_per_s": 60.0, "lesson_share_of_float32_peak": 0.6, "padding_fraction_fixed": 0.6,
                 "padding_fraction_dynamic": 0.4, "padding_fraction_bucket": 0.1},
    "encoder_forward": {"gflop_per_s": 40.0, "peak_gflop_per_s": 100.0},
    "notebooks": {"quick": {"01_perhatian": 50.0, "02_transformer_dari_nol": 40.0},
                  "default": {"01_perhatian": 200.0, "02_transformer_dari_nol": 150.0, "03_bert_tfhub": 240.0,
                              "04_bert_huggingface": 361.0}},
    "metrics": {"02_transformer_dari_nol": {"test_accuracy": 0.87}, "03_bert_tfhub": {"finetuned_test_accuracy": 0.91},
                "04_bert_huggingface": {"finetuned_test_accuracy": 0.899}},
}


def test_encoder_flops_counts_matrix_products():
    # One layer, B=1, T=2, H=3, I=4: projections 8*1*2*3*3=144, attention 4*1*2*2*3=48,
    # feed-forward 4*1*2*3*4=96; pooler 2*1*3*3=18.
    assert bench.encoder_flops(1, 2, 3, 1, 4) == 144 + 48 + 96 + 18


def test_targets_report_met_and_missed():
    met = {name: ok for name, _, _, ok in bench.targets(FAKE)}
    assert met["scratch: lesson vs original examples/s"] is True  # 5x
    assert met["frozen head, 5 epochs: cached vs original"] is True  # 6x
    assert met["fine-tuning: bucketing vs fixed 128"] is False  # 1.7x
    assert met["fine-tuning: the lesson's pipeline"] is True  # 60% of the peak
    assert met["encoder forward: share of measured peak"] is False  # 40%
    assert met["all notebooks, quick profile"] is True
    assert met["notebook 03, default profile (`make run`)"] is True  # 240 s: at the limit
    assert met["notebook 04, default profile (`make run`)"] is False  # 361 s
    assert met["fine-tuned test accuracy, notebooks 03 and 04"] is False  # 0.899 in 04
    without = {**FAKE, "notebooks": {**FAKE["notebooks"], "default": {"01_perhatian": 200.0}}, "metrics": {}}
    assert not any(ok for name, _, _, ok in bench.targets(without) if "03" in name or "04" in name)  # missing: not met


def test_readme_table_is_replaced_between_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{bench.START}\nold\n{bench.END}\nrest\n")
    bench.write_readme_table(bench.markdown(FAKE), readme)
    bench.write_readme_table(bench.markdown(FAKE), readme)  # idempotent
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("rest\n") and "old" not in text
    assert text.count(bench.START) == 1 and "| 02_transformer_dari_nol | 40 | 150 | test_accuracy 0.870 |" in text
    unmarked = tmp_path / "unmarked.md"
    unmarked.write_text("no markers here\n")
    with pytest.raises(ValueError, match="lacks the markers"):
        bench.write_readme_table("x", unmarked)


def test_committed_results_have_the_promised_shape():
    if not bench.RESULTS.is_file():
        pytest.skip("no bench/results.json yet: run `make bench`")
    results = json.loads(bench.RESULTS.read_text())
    bench.targets(results)  # every field the report needs is there
    for stem, keys in bench.METRIC_KEYS.items():
        assert set(keys) <= set(results["metrics"][stem])


def test_update_default_keeps_the_measurements_and_takes_the_new_default_run(tmp_path, monkeypatch):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(FAKE))
    run = {stem: {"seconds": 100.0 + i, "metrics": {k: 0.5 for k in keys} | {"other": 1.0}}
           for i, (stem, keys) in enumerate(bench.METRIC_KEYS.items())}
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "notebooks_default.json").write_text(json.dumps({"profile": "default", "notebooks": run}))
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    assert bench.main(["--update-default", "--output", str(results), "--no-readme"]) == 0
    updated = json.loads(results.read_text())
    assert updated["notebooks"]["default"] == {stem: r["seconds"] for stem, r in run.items()}
    assert updated["metrics"] == {stem: {k: 0.5 for k in keys} for stem, keys in bench.METRIC_KEYS.items()}
    assert updated["notebooks"]["quick"] == FAKE["notebooks"]["quick"]
    assert {k: updated[k] for k in ("scratch", "finetune", "date")} == {k: FAKE[k] for k in ("scratch", "finetune", "date")}


def test_the_machine_is_described_by_the_instructions_that_set_its_speed(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags : fpu sse avx2 fma\n")
    assert bench.cpu_description(str(cpuinfo)) == "AVX2, no BF16"
    cpuinfo.write_text("flags : fpu avx2 avx512f avx512_bf16\n")
    assert bench.cpu_description(str(cpuinfo)) == "AVX-512, BF16"
    assert bench.cpu_description(str(tmp_path / "missing")) == "CPU flags unknown"
