"""The speed-ups that the lessons claim, measured side by side with the lessons' own code (``make bench``).

    python -m tools.bench                 # micro-benchmarks + quick notebook timings
    python -m tools.bench --run-default   # also re-run the notebooks in the default profile
    python -m tools.bench --update-default  # after a new `make run`: its times and metrics into the table

Timings are medians of repeated runs after a warm-up, or the best of interleaved
rounds on the same batches (fine-tuning). Results go to ``bench/results.json`` and a
Markdown table in README.md (between the ``bench:start``/``bench:end`` markers). The
default-profile notebook times and headline metrics are those recorded by the run
that stored the notebooks' outputs (``make run`` writes ``bench/notebooks_default.json``).
Sizes come from the ``bench`` section of the active profile.
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
METRIC_KEYS = {
    "01_perhatian": ("exact_match", "exact_match_no_attention_longest"),
    "02_transformer_dari_nol": ("test_accuracy",),
    "03_bert_tfhub": ("frozen_test_accuracy", "finetuned_test_accuracy"),
    "04_bert_huggingface": ("finetuned_test_accuracy",),
    "05_bert_kerashub": ("finetuned_test_accuracy",),
    "06_gpt_dari_nol": ("test_perplexity",),
}
MINILM = {"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
          "intermediate_size": 1536, "max_position_embeddings": 512, "type_vocab_size": 2, "hidden_dropout_prob": 0.1,
          "attention_probs_dropout_prob": 0.1, "layer_norm_eps": 1e-12, "model_type": "bert", "hidden_act": "gelu"}


def encoder_flops(batch, seq_len, hidden, layers, intermediate):
    """Multiply-add FLOPs (2 per multiply-add) of one BERT encoder forward pass.

    Per layer: Q, K, V and output projections 4 * 2*B*T*H*H; scores Q K^T and the weighted
    sum of V 2 * 2*B*T*T*H; feed-forward 2 * 2*B*T*H*I. Plus the pooler 2*B*H*H. Softmax,
    GELU, LayerNorm and embeddings are left out (a few percent). Training is about 3x this.
    """
    per_layer = 8 * batch * seq_len * hidden * hidden + 4 * batch * seq_len * seq_len * hidden \
        + 4 * batch * seq_len * hidden * intermediate
    return layers * per_layer + 2 * batch * hidden * hidden


def cpu_description(cpuinfo="/proc/cpuinfo"):
    """The vector instructions that set this CPU's speed for the lessons: ``"AVX-512, BF16"``, ``"AVX2, no BF16"``..."""
    from lesson_utils import training

    flags = training.cpu_flags(cpuinfo)
    if flags is None:
        return "CPU flags unknown"
    vector = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return f"{vector}, {'BF16' if training.cpu_has_bf16(flags=flags) else 'no BF16'}"


def peak_gflop_per_s(n=2048, repeats=10):
    """Measured peak: a float32 ``n x n`` matrix product (2 n^3 FLOPs) on this machine."""
    import tensorflow as tf

    from lesson_utils.timing import median_seconds

    a, b = tf.random.normal((n, n), seed=1), tf.random.normal((n, n), seed=2)
    matmul = tf.function(lambda: tf.matmul(a, b))
    return 2 * n**3 / median_seconds(lambda: matmul().numpy(), repeats=repeats, warmup=2) / 1e9


def bench_scratch(sizes):
    """Notebook 02's two models, trained as the notebook trains them, for the same epochs."""
    import numpy as np
    import tensorflow as tf
    import tf_keras as keras

    from lesson_utils import data
    from lesson_utils.timing import EpochTimer
    from lesson_utils.transformer_dari_nol import build_classifier

    splits = data.load_splits()
    (x_train, y_train), (x_test, y_test) = splits.train, splits.test
    vectorizer = keras.layers.TextVectorization(max_tokens=20_000, output_mode="int")
    vectorizer.adapt(x_train)
    lengths = np.count_nonzero(vectorizer(x_train).numpy(), axis=1)
    maxlen = int(np.ceil(np.quantile(lengths, 0.99) / 8) * 8)
    results = {}
    for name, length, mask in (("original", 256, False), ("lesson", maxlen, True)):
        vec = keras.layers.TextVectorization(output_mode="int", output_sequence_length=length,
                                             vocabulary=vectorizer.get_vocabulary())
        train = tf.data.Dataset.from_tensor_slices((vec(x_train), y_train)).shuffle(len(y_train), seed=42).batch(32)
        test = tf.data.Dataset.from_tensor_slices((vec(x_test), y_test)).batch(32)
        keras.utils.set_random_seed(42)
        model = build_classifier(20_000, length, mask_padding=mask)
        model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
        timer = EpochTimer()
        model.fit(train, epochs=sizes.scratch_epochs, callbacks=[timer], verbose=0)
        results[name] = {"examples_per_s": len(y_train) / timer.steady_seconds(), "epoch_s": timer.steady_seconds(),
                         "test_accuracy": float(model.evaluate(test, verbose=0)[1]), "maxlen": float(length)}
    return results


def bench_frozen_head(sizes, handles):
    """Notebook 03's comparison: the encoder inside every epoch against features computed once (5 epochs)."""
    import statistics

    from lesson_utils import data
    from lesson_utils.bert_tfhub import frozen_head_seconds

    texts, labels = data.load_splits().train
    texts, labels = texts[:sizes.frozen_examples], labels[:sizes.frozen_examples]
    runs = [frozen_head_seconds(handles["tfhub_preprocess"], handles["tfhub_encoder"], texts, labels, epochs=5)
            for _ in range(sizes.repeats)]
    return {"original_s": statistics.median(r["original_s"] for r in runs),
            "cached_s": statistics.median(r["cached_s"] for r in runs), "examples": float(len(labels)), "epochs": 5.0}


def bench_finetune(sizes, handles, peak):
    """Notebook 04's pipeline and settings: examples/s of TFBertForSequenceClassification fine-tuning."""
    import numpy as np
    import tensorflow as tf
    import tf_keras as keras

    from lesson_utils import data, training
    from lesson_utils.bert_huggingface import BertTokenizerFast, TFBertForSequenceClassification, tokenize_to_dataset
    from lesson_utils.timing import best_of_rounds, take_batches

    texts, labels = data.load_splits().train
    texts, labels = texts[:sizes.finetune_examples], labels[:sizes.finetune_examples]
    tokenizer = BertTokenizerFast.from_pretrained(handles["hf_model"])
    batches = {padding: take_batches(tokenize_to_dataset(tokenizer, texts, labels, 32, 128 if padding == "fixed" else 96,
                                                         padding, shuffle=True), sizes.finetune_steps)
               for padding in ("fixed", "dynamic", "bucket")}

    def model(precision="float32", freeze=False):
        keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
        try:
            m = TFBertForSequenceClassification.from_pretrained(handles["hf_model"], num_labels=4)
        finally:
            keras.mixed_precision.set_global_policy("float32")
        m.bert.embeddings.trainable = not freeze
        m.compile(training.adamw_with_warmup(5e-5, 1000),
                  lambda y, z: keras.losses.sparse_categorical_crossentropy(y, tf.cast(z, tf.float32), from_logits=True))
        return m

    def rates(m, sets):
        best = best_of_rounds({name: lambda b=b: m.fit(b, verbose=0) for name, b in sets.items()}, sizes.repeats)
        return {name: sum(int(f["input_ids"].shape[0]) for f, _ in sets[name]) / s for name, s in best.items()}

    keras.utils.set_random_seed(0)
    speed = rates(model(), batches)
    results = {f"{name}_examples_per_s": value for name, value in speed.items()}
    settings = {"float32_frozen_embeddings": ("float32", True)}
    if training.cpu_has_bf16() and not tf.config.list_physical_devices("GPU"):
        settings["bfloat16_frozen_embeddings"] = ("bfloat16", True)
    for name, (precision, freeze) in settings.items():
        results[f"{name}_examples_per_s"] = rates(model(precision, freeze), {"bucket": batches["bucket"]})["bucket"]
    best = max(["bucket"] + list(settings), key=lambda n: results[f"{n}_examples_per_s"])
    results["lesson_setting"] = best
    results["lesson_examples_per_s"] = results[f"{best}_examples_per_s"]
    # achieved GFLOP/s of the lesson's pipeline: 3x the forward FLOPs of the bucketed batches
    flops = sum(3 * encoder_flops(int(f["input_ids"].shape[0]), int(f["input_ids"].shape[1]), 384, 6, 1536)
                for f, _ in batches["bucket"])
    seconds = sum(int(f["input_ids"].shape[0]) for f, _ in batches["bucket"]) / results["lesson_examples_per_s"]
    results["lesson_gflop_per_s"] = flops / seconds / 1e9
    results["lesson_share_of_float32_peak"] = results["lesson_gflop_per_s"] / peak
    for padding, b in batches.items():
        mask = np.concatenate([f["attention_mask"].numpy().ravel() for f, _ in b])
        results[f"padding_fraction_{padding}"] = float(1 - mask.mean())
    return results


def bench_encoder_forward(sizes, peak):
    """GFLOP/s of the offline BERT encoder (MiniLM-L6-H384 shapes) on a full batch, no padding."""
    import tensorflow as tf

    from lesson_utils._offline import bert
    from lesson_utils.timing import median_seconds

    encoder = bert.encoder_from_hf_config(MINILM)
    b, t = sizes.forward_batch, sizes.forward_seq_len
    ids = tf.random.uniform((b, t), 1000, 30000, dtype=tf.int32, seed=0)
    inputs = {"input_word_ids": ids, "input_mask": tf.ones_like(ids), "input_type_ids": tf.zeros_like(ids)}
    forward = tf.function(lambda: encoder(inputs, training=False)["sequence_output"])
    seconds = median_seconds(lambda: forward().numpy(), repeats=sizes.repeats + 2, warmup=2)
    flops = encoder_flops(b, t, 384, 6, 1536)
    return {"gflop_per_s": flops / seconds / 1e9, "peak_gflop_per_s": peak, "batch": float(b), "seq_len": float(t),
            "gflop_per_pass": flops / 1e9, "peak_method": "median time of a float32 2048x2048 tf.matmul (2*n^3 FLOPs)"}


def notebook_times(profile, run):
    """``{stem: seconds}`` and ``{stem: metrics}``: running them now, or from the run that stored them."""
    from tools import run_notebooks

    record = ROOT / "bench" / f"notebooks_{profile}.json"
    if run:
        results = run_notebooks.run(sorted(run_notebooks.NOTEBOOKS.glob("*.ipynb")), profile, write=False,
                                    save_images=False)
    elif record.is_file():
        results = json.loads(record.read_text())["notebooks"]
    else:
        raise FileNotFoundError(f"{record} is missing: run `make run` first (or pass --run-{profile}).")
    return {k: float(v["seconds"]) for k, v in results.items()}, {k: v["metrics"] for k, v in results.items()}


def targets(results):
    """Each target of the benchmark: (name, measured, wanted, met)."""
    s, f, ft, e = results["scratch"], results["frozen_head"], results["finetune"], results["encoder_forward"]
    scratch_speedup = s["lesson"]["examples_per_s"] / s["original"]["examples_per_s"]
    head_speedup = f["original_s"] / f["cached_s"]
    pad_speedup = ft["bucket_examples_per_s"] / ft["fixed_examples_per_s"]
    lesson = ft["lesson_examples_per_s"]
    share = e["gflop_per_s"] / e["peak_gflop_per_s"]
    quick_total = sum(results["notebooks"]["quick"].values())
    default = results["notebooks"]["default"]
    seconds_03, seconds_04 = default.get("03_bert_tfhub", float("nan")), default.get("04_bert_huggingface", float("nan"))
    accuracy = {stem: results["metrics"].get(stem, {}).get("finetuned_test_accuracy", float("nan"))
                for stem in ("03_bert_tfhub", "04_bert_huggingface")}
    return [
        ("scratch: lesson vs original examples/s", f"{scratch_speedup:.1f}x", ">= 3x", scratch_speedup >= 3),
        ("scratch: lesson vs original test accuracy",
         f"{s['lesson']['test_accuracy']:.3f} vs {s['original']['test_accuracy']:.3f}", "at most 0.02 lower",
         s["lesson"]["test_accuracy"] >= s["original"]["test_accuracy"] - 0.02),
        ("frozen head, 5 epochs: cached vs original", f"{head_speedup:.1f}x", ">= 2x", head_speedup >= 2),
        ("fine-tuning: bucketing vs fixed 128", f"{pad_speedup:.2f}x", ">= 1.8x", pad_speedup >= 1.8),
        ("fine-tuning: the lesson's pipeline", f"{lesson:.1f} examples/s, {ft['lesson_share_of_float32_peak']:.0%} "
         "of the float32 peak", ">= 50 examples/s (2x the 25 of Nov 2026) or >= 50% of peak",
         lesson >= 50 or ft["lesson_share_of_float32_peak"] >= 0.5),
        ("encoder forward: share of measured peak", f"{share:.0%}", ">= 50%", share >= 0.5),
        ("all notebooks, quick profile", f"{quick_total:.0f} s", "< 360 s", quick_total < 360),
        ("notebook 03, default profile (`make run`)", f"{seconds_03:.0f} s", "<= 240 s", seconds_03 <= 240),
        ("notebook 04, default profile (`make run`)", f"{seconds_04:.0f} s", "<= 360 s", seconds_04 <= 360),
        ("fine-tuned test accuracy, notebooks 03 and 04",
         f"{accuracy['03_bert_tfhub']:.3f}, {accuracy['04_bert_huggingface']:.3f}", ">= 0.90",
         min(accuracy.values()) >= 0.90),
    ]


def markdown(results):
    from lesson_utils.report import format_table

    s, f, ft, e = results["scratch"], results["frozen_head"], results["finetune"], results["encoder_forward"]
    speeds = [("BERT fine-tuning, padded to 128", ft["fixed_examples_per_s"], f"padding {ft['padding_fraction_fixed']:.0%}"),
              ("BERT fine-tuning, dynamic padding", ft["dynamic_examples_per_s"],
               f"padding {ft['padding_fraction_dynamic']:.0%}"),
              ("BERT fine-tuning, bucketing", ft["bucket_examples_per_s"], f"padding {ft['padding_fraction_bucket']:.0%}")]
    for key, label in (("float32_frozen_embeddings", "bucketing, frozen embeddings"),
                       ("bfloat16_frozen_embeddings", "bucketing, frozen embeddings, mixed bfloat16")):
        if f"{key}_examples_per_s" in ft:
            speeds.append((f"BERT fine-tuning, {label}", ft[f"{key}_examples_per_s"], ""))
    lines = [
        f"Measured by `make bench` on {results['machine']} ({results['date']}); medians of repeated timings after a "
        "warm-up (fine-tuning: the same batches trained on once untimed, then the best of interleaved rounds). "
        "The default-profile notebook times and metrics are those of the `make run` that stored the notebooks' "
        "outputs. Raw numbers: `bench/results.json`.",
        "",
        format_table([
            ("scratch transformer, original (maxlen 256, no mask)", f"{s['original']['examples_per_s']:.0f} examples/s, "
             f"{s['original']['epoch_s']:.1f} s/epoch", f"test accuracy {s['original']['test_accuracy']:.3f}"),
            (f"scratch transformer, lesson (maxlen {s['lesson']['maxlen']:.0f}, masked)",
             f"{s['lesson']['examples_per_s']:.0f} examples/s, {s['lesson']['epoch_s']:.1f} s/epoch",
             f"test accuracy {s['lesson']['test_accuracy']:.3f}"),
            ("frozen BERT head, 5 epochs, encoder in every epoch", f"{f['original_s']:.1f} s", f"{f['examples']:.0f} examples"),
            ("frozen BERT head, 5 epochs, features computed once", f"{f['cached_s']:.1f} s", ""),
        ] + [(name, f"{value:.1f} examples/s", note) for name, value, note in speeds] + [
            ("lesson's fine-tuning pipeline", f"{ft['lesson_gflop_per_s']:.0f} GFLOP/s",
             f"{ft['lesson_share_of_float32_peak']:.0%} of the float32 peak"),
            ("encoder forward pass", f"{e['gflop_per_s']:.0f} GFLOP/s",
             f"peak {e['peak_gflop_per_s']:.0f} GFLOP/s (2048x2048 float32 matmul)"),
        ], ("what", "speed", "notes")),
        "",
        format_table(
            [(stem, f"{results['notebooks']['quick'].get(stem, float('nan')):.0f}",
              f"{results['notebooks']['default'].get(stem, float('nan')):.0f}",
              ", ".join(f"{k} {v:.3f}" for k, v in results["metrics"].get(stem, {}).items()) or "-")
             for stem in sorted(set(results["notebooks"]["quick"]) | set(results["notebooks"]["default"]))],
            ("notebook", "quick (s)", "default (s)", "default-profile metrics (shown by the notebook)")),
        "",
        format_table([(name, got, want, "yes" if met else "**no**") for name, got, want, met in targets(results)],
                     ("target", "measured", "wanted", "met")),
    ]
    return "\n".join(lines)


def write_readme_table(text, readme=README):
    from lesson_utils.report import atomic_write_text

    content = readme.read_text(encoding="utf-8")
    if START not in content or END not in content:
        raise ValueError(f"{readme} lacks the markers {START} and {END}")
    head, rest = content.split(START, 1)
    _, tail = rest.split(END, 1)
    atomic_write_text(readme, f"{head}{START}\n{text}\n{END}{tail}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-default", action="store_true", help="re-run the notebooks in the default profile")
    parser.add_argument("--output", default=str(RESULTS), help="where to write the JSON results")
    parser.add_argument("--no-readme", action="store_true", help="do not update README.md")
    parser.add_argument("--update-default", action="store_true",
                        help="measure nothing: keep the results file's measurements and take the default-profile "
                             "notebook times and metrics of the latest `make run` (bench/notebooks_default.json)")
    args = parser.parse_args(argv)
    if args.update_default:
        results = json.loads(Path(args.output).read_text())
        default, metrics = notebook_times("default", run=False)
        results["notebooks"]["default"] = default
        results["metrics"] = headline_metrics(metrics)
        return write(results, args)
    import lesson_utils  # noqa: F401  (first: Keras 2)
    import tensorflow as tf

    from lesson_utils import pretrained, profiles

    sizes = profiles.profile().bench
    handles = pretrained.handles()
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} CPU cores ({cpu_description()}), TF {tf.__version__}",
               "date": time.strftime("%Y-%m-%d"), "profile": profiles.profile_name()}
    peak = peak_gflop_per_s()
    steps = [("encoder_forward", lambda: bench_encoder_forward(sizes, peak)), ("scratch", lambda: bench_scratch(sizes)),
             ("frozen_head", lambda: bench_frozen_head(sizes, handles)),
             ("finetune", lambda: bench_finetune(sizes, handles, peak))]
    for name, step in steps:
        start = time.perf_counter()
        results[name] = step()
        print(f"{name}: {json.dumps(results[name])} ({time.perf_counter() - start:.0f} s)", flush=True)
    quick, _ = notebook_times("quick", run=True)
    default, metrics = notebook_times("default", run=args.run_default)
    results["notebooks"] = {"quick": quick, "default": default}
    results["metrics"] = headline_metrics(metrics)
    return write(results, args)


def headline_metrics(metrics):
    """The metrics of METRIC_KEYS from a default run's ``{stem: metrics}``."""
    headline = {}
    for stem, keys in METRIC_KEYS.items():
        missing = [k for k in keys if k not in metrics.get(stem, {})]
        if missing:
            raise KeyError(f"{stem} recorded no {', '.join(missing)} in its default run; run `make run` again.")
        headline[stem] = {k: float(metrics[stem][k]) for k in keys}
    return headline


def write(results, args):
    from lesson_utils.report import atomic_write_text

    atomic_write_text(args.output, json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    if not args.no_readme:
        write_readme_table(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
