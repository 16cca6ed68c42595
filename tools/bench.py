"""The speed-ups that the lessons claim, measured side by side (``make bench``).

    python -m lesson_utils.bench                 # micro-benchmarks + quick notebook timings
    python -m lesson_utils.bench --run-default   # also re-run the notebooks in the default profile

Every timing is the median of repeated runs after a warm-up. Results go to
``bench/results.json`` and a Markdown table in README.md (between the
``bench:start``/``bench:end`` markers). The default-profile notebook times and
the notebooks' headline metrics are those recorded by the run that stored the
notebooks' outputs (``make run`` writes ``bench/notebooks_default.json``).
Sizes come from the ``bench`` section of the active profile.
"""
import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf_keras as keras

from . import data, profiles, report, run_notebooks

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
METRIC_KEYS = {
    "01_perhatian": ("exact_match", "exact_match_no_attention_longest"),
    "02_transformer_dari_nol": ("test_accuracy",),
    "03_bert_tfhub": ("frozen_test_accuracy", "finetuned_test_accuracy"),
    "04_bert_huggingface": ("finetuned_test_accuracy",),
}


def median_seconds(fn, repeats=5, warmup=1):
    """Median wall time of ``fn()`` over ``repeats`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---------------------------------------------------------------------------
# Scratch transformer: the seed configuration against the lesson's
# ---------------------------------------------------------------------------


def bench_scratch(sizes):
    """Train both configurations as notebook 02 does, for the same epochs; examples/s and seconds
    per epoch are medians over the epochs after the first (which traces the graph)."""
    from . import scratch

    (x_train, y_train), (x_test, y_test) = data.load_ag_news_arrays(sizes.train, sizes.test)
    lengths = [len(t.split()) for t in x_train]
    configs = {"seed": (dict(scratch.SEED_CONFIG), False),
               "lesson": (scratch.lesson_config(scratch.length_quantile_maxlen(lengths)), True)}
    results = {}
    for name, (config, schedule) in configs.items():
        vectorizer = scratch.make_vectorizer(x_train, config["vocab_size"], config["maxlen"])
        train_ds = scratch.make_dataset(vectorizer(x_train), y_train, sizes.batch_size, shuffle=True)
        test_ds = scratch.make_dataset(vectorizer(x_test), y_test, sizes.batch_size)
        _, _, result = scratch.train_and_measure(config, train_ds, test_ds, len(y_train), sizes.scratch_epochs,
                                                 schedule=schedule)
        results[name] = {"examples_per_s": result["examples_per_second"], "epoch_s": result["epoch_seconds"],
                         "test_accuracy": result["test_accuracy"], "maxlen": float(config["maxlen"])}
    return results


# ---------------------------------------------------------------------------
# Frozen BERT head: encoder inside every epoch against features computed once
# ---------------------------------------------------------------------------


def bench_frozen_head(sizes, handles):
    from . import tfhub

    (x_train, y_train), _ = data.load_ag_news_arrays(sizes.frozen_examples, 4)
    runs = [
        tfhub.frozen_head_timing(handles["tfhub_preprocess"], handles["tfhub_encoder"], x_train, y_train,
                                 epochs=5, batch_size=32)
        for _ in range(sizes.repeats)
    ]
    return {
        "seed_style_s": statistics.median(r["seed_style_s"] for r in runs),
        "cached_s": statistics.median(r["cached_s"] for r in runs),
        "examples": float(len(y_train)),
        "epochs": 5.0,
    }


# ---------------------------------------------------------------------------
# BERT fine-tuning: every sequence padded to 128 against dynamic padding
# ---------------------------------------------------------------------------


def bench_finetune(sizes, handles):
    from transformers import AutoTokenizer, TFBertForSequenceClassification
    from transformers.utils import logging as hf_logging

    from . import hf, training

    hf_logging.set_verbosity_error()
    (x_train, y_train), _ = data.load_ag_news_arrays(sizes.finetune_examples, 4)
    tokenizer = AutoTokenizer.from_pretrained(handles["hf_model"])
    datasets = {
        "fixed": hf.tokenize_to_dataset(tokenizer, x_train, y_train, batch_size=32, max_length=128, pad_to=128, shuffle=True),
        "dynamic": hf.tokenize_to_dataset(tokenizer, x_train, y_train, batch_size=32, max_length=128,
                                          bucket_boundaries=[32, 40, 48, 56, 64, 80, 96], shuffle=True),
    }
    keras.utils.set_random_seed(0)
    model = TFBertForSequenceClassification.from_pretrained(handles["hf_model"], num_labels=4)
    model.compile(training.adamw_with_warmup(5e-5, 1000), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    speeds = hf.compare_train_throughput(model, datasets, steps=sizes.finetune_steps, rounds=sizes.repeats)
    results = {f"{name}_examples_per_s": value for name, value in speeds.items()}
    results["padding_fraction_fixed"] = hf.padding_fraction(datasets["fixed"])
    results["padding_fraction_dynamic"] = hf.padding_fraction(datasets["dynamic"])
    return results


# ---------------------------------------------------------------------------
# Encoder forward pass against the machine's peak
# ---------------------------------------------------------------------------


def encoder_flops(batch, seq_len, hidden, layers, intermediate):
    """Multiply-add FLOPs (2 per multiply-add) of one BERT encoder forward pass.

    Per layer: Q, K, V and output projections 4 * 2*B*T*H*H; scores Q K^T and
    the weighted sum of V 2 * 2*B*T*T*H; feed-forward 2 * 2*B*T*H*I. Plus the
    pooler 2*B*H*H. Softmax, GELU, LayerNorm and embeddings are left out (they
    are a few percent).
    """
    per_layer = 8 * batch * seq_len * hidden * hidden + 4 * batch * seq_len * seq_len * hidden \
        + 4 * batch * seq_len * hidden * intermediate
    return layers * per_layer + 2 * batch * hidden * hidden


def peak_gflop_per_s(n=2048, repeats=10):
    """Measured peak: a float32 ``n x n`` matrix product (2 n^3 FLOPs) on this machine."""
    a = tf.random.normal((n, n), seed=1)
    b = tf.random.normal((n, n), seed=2)
    matmul = tf.function(lambda: tf.matmul(a, b))
    seconds = median_seconds(lambda: matmul().numpy(), repeats=repeats, warmup=2)
    return 2 * n**3 / seconds / 1e9


def bench_encoder_forward(sizes):
    """GFLOP/s of the offline BERT encoder (MiniLM-L6-H384 shapes) on a full batch, no padding."""
    from . import bert

    config = {"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
              "intermediate_size": 1536, "max_position_embeddings": 512, "type_vocab_size": 2,
              "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "layer_norm_eps": 1e-12}
    encoder = bert.encoder_from_hf_config(config)
    b, t = sizes.forward_batch, sizes.forward_seq_len
    ids = tf.random.uniform((b, t), 1000, 30000, dtype=tf.int32, seed=0)
    inputs = {"input_word_ids": ids, "input_mask": tf.ones_like(ids), "input_type_ids": tf.zeros_like(ids)}
    forward = tf.function(lambda: encoder(inputs, training=False)["sequence_output"])
    seconds = median_seconds(lambda: forward().numpy(), repeats=sizes.repeats + 2, warmup=2)
    flops = encoder_flops(b, t, 384, 6, 1536)
    return {"gflop_per_s": flops / seconds / 1e9, "peak_gflop_per_s": peak_gflop_per_s(),
            "batch": float(b), "seq_len": float(t), "gflop_per_pass": flops / 1e9,
            "peak_method": "median time of a float32 2048x2048 tf.matmul (2*n^3 FLOPs), same process"}


# ---------------------------------------------------------------------------
# Notebooks
# ---------------------------------------------------------------------------


def notebook_times(profile, run):
    """``{stem: seconds}`` and ``{stem: metrics}``: running them now, or from the run that stored them."""
    record = ROOT / "bench" / f"notebooks_{profile}.json"
    if run:
        paths = sorted(run_notebooks.NOTEBOOKS.glob("*.ipynb"))
        results = run_notebooks.run(paths, profile, write=False, save_images=False)
    elif record.is_file():
        results = json.loads(record.read_text())["notebooks"]
    else:
        raise FileNotFoundError(f"{record} is missing: run `make run` first (or pass --run-{profile}).")
    return {k: float(v["seconds"]) for k, v in results.items()}, {k: v["metrics"] for k, v in results.items()}


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def targets(results):
    """Each target of the benchmark: (name, measured, wanted, met)."""
    s, f, ft, e = results["scratch"], results["frozen_head"], results["finetune"], results["encoder_forward"]
    scratch_speedup = s["lesson"]["examples_per_s"] / s["seed"]["examples_per_s"]
    head_speedup = f["seed_style_s"] / f["cached_s"]
    pad_speedup = ft["dynamic_examples_per_s"] / ft["fixed_examples_per_s"]
    share = e["gflop_per_s"] / e["peak_gflop_per_s"]
    quick_total = sum(results["notebooks"]["quick"].values())
    return [
        ("scratch: lesson vs seed examples/s", f"{scratch_speedup:.1f}x", ">= 4x", scratch_speedup >= 4),
        ("scratch: lesson vs seed test accuracy", f"{s['lesson']['test_accuracy']:.3f} vs {s['seed']['test_accuracy']:.3f}",
         "no lower", s["lesson"]["test_accuracy"] >= s["seed"]["test_accuracy"]),
        ("frozen head, 5 epochs: cached vs seed style", f"{head_speedup:.1f}x", ">= 5x", head_speedup >= 5),
        ("fine-tuning: dynamic padding vs fixed 128", f"{pad_speedup:.2f}x", ">= 1.8x", pad_speedup >= 1.8),
        ("encoder forward: share of measured peak", f"{share:.0%}", ">= 50%", share >= 0.5),
        ("all notebooks, quick profile", f"{quick_total:.0f} s", "< 360 s", quick_total < 360),
    ]


def markdown(results):
    s, f, ft, e = results["scratch"], results["frozen_head"], results["finetune"], results["encoder_forward"]
    lines = [
        f"Measured by `make bench` on {results['machine']} ({results['date']}); "
        "medians of repeated timings after a warm-up (fine-tuning: the same batches trained on once untimed, "
        "then the best of interleaved rounds). Raw numbers: `bench/results.json`.",
        "",
        report.format_table([
            ("scratch transformer, seed (maxlen 256, no mask)", f"{s['seed']['examples_per_s']:.0f} examples/s, "
             f"{s['seed']['epoch_s']:.1f} s/epoch", f"test accuracy {s['seed']['test_accuracy']:.3f}"),
            (f"scratch transformer, lesson (maxlen {s['lesson']['maxlen']:.0f}, masked)",
             f"{s['lesson']['examples_per_s']:.0f} examples/s, {s['lesson']['epoch_s']:.1f} s/epoch",
             f"test accuracy {s['lesson']['test_accuracy']:.3f}"),
            ("frozen BERT head, 5 epochs, encoder in every epoch", f"{f['seed_style_s']:.1f} s", f"{f['examples']:.0f} examples"),
            ("frozen BERT head, 5 epochs, features computed once", f"{f['cached_s']:.1f} s", ""),
            ("BERT fine-tuning, padded to 128", f"{ft['fixed_examples_per_s']:.1f} examples/s",
             f"padding {ft['padding_fraction_fixed']:.0%}"),
            ("BERT fine-tuning, dynamic padding (buckets)", f"{ft['dynamic_examples_per_s']:.1f} examples/s",
             f"padding {ft['padding_fraction_dynamic']:.0%}"),
            ("encoder forward pass", f"{e['gflop_per_s']:.0f} GFLOP/s",
             f"peak {e['peak_gflop_per_s']:.0f} GFLOP/s (2048x2048 matmul)"),
        ], ("what", "speed", "notes")),
        "",
        report.format_table(
            [(stem, f"{results['notebooks']['quick'].get(stem, float('nan')):.0f}",
              f"{results['notebooks']['default'].get(stem, float('nan')):.0f}",
              ", ".join(f"{k} {v:.3f}" for k, v in results["metrics"].get(stem, {}).items()) or "-")
             for stem in sorted(set(results["notebooks"]["quick"]) | set(results["notebooks"]["default"]))],
            ("notebook", "quick (s)", "default (s)", "default-profile metrics (shown by the notebook)"),
        ),
        "",
        report.format_table([(name, got, want, "yes" if met else "**no**") for name, got, want, met in targets(results)],
                            ("target", "measured", "wanted", "met")),
    ]
    return "\n".join(lines)


def write_readme_table(text, readme=README):
    content = readme.read_text(encoding="utf-8")
    if START not in content or END not in content:
        raise ValueError(f"{readme} lacks the markers {START} and {END}")
    head, rest = content.split(START, 1)
    _, tail = rest.split(END, 1)
    report.atomic_write_text(readme, f"{head}{START}\n{text}\n{END}{tail}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-default", action="store_true", help="re-run the notebooks in the default profile")
    parser.add_argument("--output", default=str(RESULTS), help="where to write the JSON results")
    parser.add_argument("--no-readme", action="store_true", help="do not update README.md")
    args = parser.parse_args(argv)

    from . import pretrained

    sizes = profiles.profile().bench
    handles = pretrained.handles()
    results = {"machine": f"{platform.machine()}, {__import__('os').cpu_count()} CPU cores, TF {tf.__version__}",
               "date": time.strftime("%Y-%m-%d"), "profile": profiles.profile_name()}
    steps = [
        ("encoder_forward", lambda: bench_encoder_forward(sizes)),
        ("scratch", lambda: bench_scratch(sizes)),
        ("frozen_head", lambda: bench_frozen_head(sizes, handles)),
        ("finetune", lambda: bench_finetune(sizes, handles)),
    ]
    for name, step in steps:
        start = time.perf_counter()
        results[name] = step()
        print(f"{name}: {json.dumps(results[name])} ({time.perf_counter() - start:.0f} s)", flush=True)
    quick, _ = notebook_times("quick", run=True)
    default, metrics = notebook_times("default", run=args.run_default)
    results["notebooks"] = {"quick": quick, "default": default}
    results["metrics"] = {}
    for stem, keys in METRIC_KEYS.items():
        missing = [k for k in keys if k not in metrics.get(stem, {})]
        if missing:
            raise KeyError(f"{stem} recorded no {', '.join(missing)} in its default run; run `make run` again.")
        results["metrics"][stem] = {k: float(metrics[stem][k]) for k in keys}
    report.atomic_write_text(args.output, json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    if not args.no_readme:
        write_readme_table(table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
