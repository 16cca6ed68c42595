"""Worker for test_distribute.py: one device against MirroredStrategy on two logical CPUs.

Run in a fresh process (logical devices must be configured before TensorFlow
starts its runtime). Prints one JSON line of results.
"""
import json
import sys

import lesson_utils  # noqa: F401  (first)
import numpy as np
import tensorflow as tf
import tf_keras as keras

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from transformers import BertConfig, TFBertForSequenceClassification  # noqa: E402

from lesson_utils import training  # noqa: E402
from lesson_utils.transformer_dari_nol import build_classifier  # noqa: E402


def scratch_model():
    model = build_classifier(vocab_size=50, maxlen=16, embed_dim=8, ff_dim=8, hidden_units=8, dropout=0.0,
                             mask_padding=True)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    return model


def bert_model():
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32, num_labels=4,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    model = TFBertForSequenceClassification(config)
    model(model.dummy_inputs)
    model.compile(training.adamw_with_warmup(5e-3, total_steps=20, warmup_fraction=0.1),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def data(kind, n=32):
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 50, size=(n, 16)).astype("int64")
    ids[:, 12:] = 0  # padding at the end
    labels = (ids[:, 0] % 4).astype("int64")
    if kind == "scratch":
        return ids, labels
    mask = (ids != 0).astype("int32")
    return {"input_ids": ids.astype("int32"), "attention_mask": mask}, labels


def run(kind, build, strategy, weights, batch):
    with strategy.scope():
        model = build()
        model.set_weights(weights)
    x, y = data(kind)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)
    losses = model.fit(ds, epochs=5, verbose=0).history["loss"]
    out = model.predict(tf.data.Dataset.from_tensor_slices(x).batch(batch), verbose=0)
    out = out.logits if hasattr(out, "logits") else out
    return losses, np.asarray(out)


def main():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    batch = 8 * strategy.num_replicas_in_sync  # per-replica batch x replicas, as in the notebooks
    results = {"replicas": strategy.num_replicas_in_sync}
    for kind, build in [("scratch", scratch_model), ("bert", bert_model)]:
        keras.utils.set_random_seed(0)
        weights = build().get_weights()
        # The same global batch on one device and split over two replicas.
        losses_1, out_1 = run(kind, build, tf.distribute.OneDeviceStrategy("/cpu:0"), weights, batch)
        losses_2, out_2 = run(kind, build, strategy, weights, batch)
        results[kind] = {
            "loss_one_device": losses_1,
            "loss_mirrored": losses_2,
            "max_prediction_difference": float(np.max(np.abs(out_1 - out_2))),
            "max_output": float(np.max(np.abs(out_1))),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    sys.exit(main())
