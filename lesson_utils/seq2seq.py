"""Notebook 01: a date-normalisation task, two GRU encoder-decoders, greedy decoding.

The task (made here, no download): a date written the way people write it,
in Indonesian or English, often inside a few filler words, is translated
character by character into ISO ``YYYY-MM-DD``::

    "rapat pada senin, 5 maret 2021 di kantor"  ->  "2021-03-05"

Every output character comes from a few input characters (the year digits,
the month name, the day), so the task has a natural *alignment* that an
attention matrix can show, and the input length is controlled by the number
of filler words.

The models (Keras 2, ``tf_keras``):

* ``Seq2Seq(..., attention=False)``: the plain encoder-decoder; the decoder
  sees the input only through the encoder's last state (the bottleneck);
* ``Seq2Seq(..., attention=True)``: the same network plus Bahdanau's additive
  attention (``lesson_utils.attention.BahdanauAttention``), whose weights are
  returned for plotting.
"""
import datetime
import random
import string

import numpy as np
import tensorflow as tf
import tf_keras as keras

from .attention import BahdanauAttention

# ---------------------------------------------------------------------------
# The task: human-written dates -> ISO dates
# ---------------------------------------------------------------------------

MONTHS_ID = ("januari", "februari", "maret", "april", "mei", "juni", "juli",
             "agustus", "september", "oktober", "november", "desember")
MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july",
             "august", "september", "october", "november", "december")
MONTHS_ID_SHORT = ("jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt", "nov", "des")
MONTHS_EN_SHORT = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS_ID = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")  # Monday first
DAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Words around the date: no digits and no month or day names, so the date stays unambiguous.
FILLER_WORDS = (
    "rapat", "pada", "jadwal", "acara", "dimulai", "kirim", "sebelum", "sesudah", "tolong",
    "catat", "ujian", "kelas", "libur", "di", "kantor", "kampus", "pukul", "pagi", "siang",
    "the", "meeting", "is", "on", "due", "please", "note", "deadline", "exam", "starts",
    "party", "at", "office", "before", "after", "holiday", "report", "send", "by",
)

DATE_MIN = datetime.date(1950, 1, 1)
DATE_MAX = datetime.date(2049, 12, 31)


def _ordinal(day):
    if day in (11, 12, 13):
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def _day(rng, d):
    return f"{d.day:02d}" if rng.random() < 0.5 else str(d.day)


def _month_number(rng, d):
    return f"{d.month:02d}" if rng.random() < 0.5 else str(d.month)


# Each format maps (rng, date) to a string; month and day names are in lower case here.
DATE_FORMATS = (
    lambda r, d: f"{_day(r, d)} {MONTHS_ID[d.month - 1]} {d.year}",              # 5 maret 2021
    lambda r, d: f"{DAYS_ID[d.weekday()]}, {_day(r, d)} {MONTHS_ID[d.month - 1]} {d.year}",
    lambda r, d: f"tanggal {_day(r, d)} bulan {MONTHS_ID[d.month - 1]} tahun {d.year}",
    lambda r, d: f"{_day(r, d)} {MONTHS_ID_SHORT[d.month - 1]} {d.year}",        # 5 mar 2021
    lambda r, d: f"{_day(r, d)} {MONTHS_EN[d.month - 1]} {d.year}",              # 5 march 2021
    lambda r, d: f"{MONTHS_EN[d.month - 1]} {d.day}, {d.year}",                  # march 5, 2021
    lambda r, d: f"{MONTHS_EN[d.month - 1]} {_ordinal(d.day)}, {d.year}",        # march 5th, 2021
    lambda r, d: f"{DAYS_EN[d.weekday()]}, {MONTHS_EN[d.month - 1]} {d.day}, {d.year}",
    lambda r, d: f"the {_ordinal(d.day)} of {MONTHS_EN[d.month - 1]} {d.year}",
    lambda r, d: f"{MONTHS_EN_SHORT[d.month - 1]} {d.day} {d.year}",             # mar 5 2021
    lambda r, d: f"{_day(r, d)}/{_month_number(r, d)}/{d.year}",                 # 05/03/2021 (day first)
    lambda r, d: f"{_day(r, d)}-{_month_number(r, d)}-{d.year}",                 # 5-3-2021
    lambda r, d: f"{_day(r, d)}.{_month_number(r, d)}.{d.year}",                 # 05.03.2021
    lambda r, d: f"{d.year}/{d.month:02d}/{d.day:02d}",                          # 2021/03/05
)


def _random_date(rng):
    span = (DATE_MAX - DATE_MIN).days
    return DATE_MIN + datetime.timedelta(days=rng.randrange(span + 1))


def _human_date(rng, date):
    text = rng.choice(DATE_FORMATS)(rng, date)
    style = rng.random()
    if style < 0.15:
        text = " ".join(word.capitalize() for word in text.split(" "))  # Senin, 5 Maret 2021
    elif style < 0.2:
        text = text.upper()
    return text


def random_example(rng, min_len, max_len):
    """One ``(human, iso)`` pair with ``min_len <= len(human) <= max_len`` characters.

    A target length is drawn uniformly from ``[min_len, max_len]``; a date in a
    random format is padded with random filler words, before or after it,
    while the text still fits that length.
    """
    while True:
        target = rng.randint(min_len, max_len)
        date = _random_date(rng)
        words = [_human_date(rng, date)]
        if len(words[0]) > target:
            continue
        length = len(words[0])
        while True:
            word = rng.choice(FILLER_WORDS)
            if length + 1 + len(word) > target:
                break
            if rng.random() < 0.5:
                words.insert(0, word)
            else:
                words.append(word)
            length += 1 + len(word)
        if length >= min_len:
            return " ".join(words), date.isoformat()


def make_dataset(n, min_len, max_len, seed=0, exclude=()):
    """``n`` distinct pairs ``(inputs, targets)`` (two lists of strings), deterministic for ``seed``.

    Inputs that are in ``exclude`` (a set of input strings) are skipped, so
    that splits made one after the other never share an input.
    """
    rng = random.Random(seed)
    seen = set(exclude)
    inputs, targets = [], []
    attempts = 0
    while len(inputs) < n:
        attempts += 1
        if attempts > 50 * n + 1000:
            raise ValueError(f"cannot make {n} distinct inputs of length {min_len}-{max_len}")
        x, y = random_example(rng, min_len, max_len)
        if x in seen:
            continue
        seen.add(x)
        inputs.append(x)
        targets.append(y)
    return inputs, targets


def make_splits(sizes, lengths, seed=0):
    """Disjoint splits: ``{name: (inputs, targets)}`` for ``sizes = {name: n}``.

    ``lengths = {name: (min_len, max_len)}`` gives each split's input lengths
    in characters (e.g. a ``"long"`` split longer than anything in
    ``"train"``). Splits are made in the order of ``sizes``, each with its own
    seed, and no input string appears in two splits.
    """
    splits, seen = {}, set()
    for i, (name, n) in enumerate(sizes.items()):
        lo, hi = lengths[name]
        inputs, targets = make_dataset(n, lo, hi, seed=seed * 1000 + i, exclude=seen)
        seen.update(inputs)
        splits[name] = (inputs, targets)
    return splits


# ---------------------------------------------------------------------------
# Characters <-> integer ids
# ---------------------------------------------------------------------------

PAD, START, END, UNK = "<pad>", "<s>", "</s>", "<unk>"
SOURCE_CHARS = " ,./-" + string.digits + string.ascii_lowercase + string.ascii_uppercase
TARGET_CHARS = string.digits + "-"
ISO_LENGTH = 10  # len("2021-03-05")


class CharVocab:
    """A character vocabulary; id 0 is padding, then start, end and unknown."""

    def __init__(self, chars):
        self.tokens = [PAD, START, END, UNK] + list(chars)
        self.index = {token: i for i, token in enumerate(self.tokens)}
        self.pad_id, self.start_id, self.end_id, self.unk_id = 0, 1, 2, 3

    def __len__(self):
        return len(self.tokens)

    def encode(self, text, start=False, end=False):
        ids = [self.index.get(ch, self.unk_id) for ch in text]
        return [self.start_id] * start + ids + [self.end_id] * end

    def decode(self, ids):
        """Characters up to the first end token (padding and start are skipped)."""
        chars = []
        for i in ids:
            i = int(i)
            if i == self.end_id:
                break
            if i > self.unk_id:
                chars.append(self.tokens[i])
        return "".join(chars)

    def encode_batch(self, texts, start=False, end=False, length=None):
        """A padded ``int32`` array ``(len(texts), length)`` (padding at the end)."""
        rows = [self.encode(t, start, end) for t in texts]
        length = length or max(len(r) for r in rows)
        out = np.zeros((len(rows), length), dtype=np.int32)
        for i, r in enumerate(rows):
            out[i, : len(r)] = r[:length]
        return out


def source_vocab():
    return CharVocab(SOURCE_CHARS)


def target_vocab():
    return CharVocab(TARGET_CHARS)


def to_arrays(inputs, targets, src_vocab, tgt_vocab):
    """Model arrays: ``((source, decoder_input), decoder_target)`` for teacher forcing.

    ``decoder_input`` is ``<s> + target``, ``decoder_target`` is ``target + </s>``:
    at step t the decoder reads the true previous character and learns the next.
    """
    source = src_vocab.encode_batch(inputs)
    decoder_input = tgt_vocab.encode_batch(targets, start=True)
    decoder_target = tgt_vocab.encode_batch(targets, end=True)
    return (source, decoder_input), decoder_target


# ---------------------------------------------------------------------------
# The two models
# ---------------------------------------------------------------------------

class Seq2Seq(keras.Model):
    """A GRU encoder-decoder, with or without Bahdanau (additive) attention.

    Both variants have the same embeddings, the same two GRUs and the same
    output layers; the attention variant adds the attention layer and feeds
    the context vector, next to the decoder state, into the output layer::

        h_1..h_T, s_0 = GRU_enc(embed(x))            # encoder states, last state
        s_t = GRU_dec(embed(y_{t-1}), s_{t-1})        # decoder state, s_0 from the encoder
        c_t, alpha_t = attention(s_t, h_1..h_T)       # attention variant only
        p(y_t) = softmax(W_o tanh(W_c [s_t; c_t]))    # [s_t] alone without attention
    """

    def __init__(self, src_vocab_size, tgt_vocab_size, embedding_dim=32, units=128,
                 attention=True, **kwargs):
        super().__init__(**kwargs)
        self.use_attention = attention
        self.src_embedding = keras.layers.Embedding(src_vocab_size, embedding_dim, name="src_embedding")
        self.encoder_gru = keras.layers.GRU(units, return_sequences=True, return_state=True, name="encoder_gru")
        self.tgt_embedding = keras.layers.Embedding(tgt_vocab_size, embedding_dim, name="tgt_embedding")
        self.decoder_gru = keras.layers.GRU(units, return_sequences=True, return_state=True, name="decoder_gru")
        self.attention = BahdanauAttention(units, name="attention") if attention else None
        self.combine = keras.layers.Dense(units, activation="tanh", name="combine")
        self.output_layer = keras.layers.Dense(tgt_vocab_size, name="logits")

    def encode(self, source):
        """Encoder states ``(B, T, units)``, last state ``(B, units)`` and the padding mask ``(B, T)``."""
        mask = tf.not_equal(source, 0)
        states, last_state = self.encoder_gru(self.src_embedding(source), mask=mask)
        return states, last_state, mask

    def decode(self, decoder_input, states, decoder_state, mask, encoder_state):
        """Logits ``(B, S, vocab)``, the last decoder state and the attention weights ``(B, S, T)``.

        ``decoder_input`` holds the previous characters (teacher forcing in
        training, the model's own previous prediction in greedy decoding).
        Without attention the weights are ``None``.
        """
        outputs, decoder_state = self.decoder_gru(self.tgt_embedding(decoder_input), initial_state=decoder_state)
        if self.use_attention:
            context, weights = self.attention(outputs, states, mask=mask)
        else:  # the same context at every step: the encoder's last state
            context = tf.repeat(encoder_state[:, tf.newaxis, :], tf.shape(outputs)[1], axis=1)
            weights = None
        logits = self.output_layer(self.combine(tf.concat([outputs, context], axis=-1)))
        return logits, decoder_state, weights

    def call(self, inputs, training=None):
        source, decoder_input = inputs
        states, last_state, mask = self.encode(source)
        logits, _, _ = self.decode(decoder_input, states, last_state, mask, last_state)
        return logits


def build_model(attention, src_vocab_size, tgt_vocab_size, embedding_dim, units, learning_rate=1e-3):
    """A compiled ``Seq2Seq`` (Adam, cross-entropy on logits, character accuracy), weights built."""
    model = Seq2Seq(src_vocab_size, tgt_vocab_size, embedding_dim, units, attention=attention,
                    name="with_attention" if attention else "no_attention")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model((np.zeros((1, 4), np.int32) + 5, np.ones((1, 2), np.int32)))  # build the weights
    return model


# ---------------------------------------------------------------------------
# Greedy decoding and evaluation
# ---------------------------------------------------------------------------

def greedy_decode(model, source, tgt_vocab, max_len=ISO_LENGTH + 1):
    """Greedy decoding of a batch of source ids: ``(predicted ids (B, max_len), weights)``.

    At each step the decoder reads its own previous prediction (no teacher
    forcing) and the most likely character is kept. ``weights`` is the
    attention matrix ``(B, max_len, T)`` (``None`` without attention).
    """
    source = tf.convert_to_tensor(source)
    states, encoder_state, mask = model.encode(source)
    decoder_state = encoder_state
    token = tf.fill([tf.shape(source)[0], 1], tgt_vocab.start_id)
    predicted, weights = [], []
    for _ in range(max_len):
        logits, decoder_state, w = model.decode(token, states, decoder_state, mask, encoder_state)
        token = tf.argmax(logits, axis=-1, output_type=tf.int32)
        predicted.append(token)
        weights.append(w)
    predicted = tf.concat(predicted, axis=1).numpy()
    weights = tf.concat(weights, axis=1).numpy() if model.use_attention else None
    return predicted, weights


def translate(model, inputs, src_vocab, tgt_vocab, batch_size=512):
    """Predicted ISO strings for a list of human-written dates."""
    outputs = []
    for start in range(0, len(inputs), batch_size):
        chunk = inputs[start:start + batch_size]
        ids, _ = greedy_decode(model, src_vocab.encode_batch(chunk), tgt_vocab)
        outputs += [tgt_vocab.decode(row) for row in ids]
    return outputs


def exact_match(model, inputs, targets, src_vocab, tgt_vocab, batch_size=512):
    """Per-example booleans: is the whole predicted date right?"""
    predictions = translate(model, inputs, src_vocab, tgt_vocab, batch_size)
    return np.array([p == t for p, t in zip(predictions, targets)])


def length_buckets(max_len, width=10, start=1):
    """Buckets ``[(lo, hi), ...]`` of input lengths: ``(1, 10), (11, 20), ...`` up to ``max_len``."""
    return [(lo, min(lo + width - 1, max_len)) for lo in range(start, max_len + 1, width)]


def accuracy_by_length(inputs, correct, buckets):
    """``[(lo, hi, n, accuracy), ...]`` of exact match per input-length bucket (empty buckets skipped)."""
    lengths = np.array([len(x) for x in inputs])
    correct = np.asarray(correct, dtype=float)
    rows = []
    for lo, hi in buckets:
        in_bucket = (lengths >= lo) & (lengths <= hi)
        if in_bucket.any():
            rows.append((lo, hi, int(in_bucket.sum()), float(correct[in_bucket].mean())))
    return rows


# ---------------------------------------------------------------------------
# A diagram of the bottleneck (drawn, not copied)
# ---------------------------------------------------------------------------

def draw_encoder_decoder(ax, attention, source="5 mar 2021", target="2021-03-05", focus=3):
    """Sketch of an encoder-decoder on ``ax``: one state ``c`` in between, or attention lines.

    With ``attention=True`` the lines from every encoder state ``h_i`` to the
    decoder state of output ``focus`` are drawn, darker where the (made-up,
    illustrative) weight ``alpha`` is larger: the year digits for a year digit.
    """
    import matplotlib.patches as patches

    n, m = len(source), len(target)
    dx = 0.9
    enc_x = np.arange(n) * dx
    dec_x = np.arange(m) * dx + enc_x[-1] + 2.2
    enc_y, dec_y = 0.0, 2.6
    box = dict(boxstyle="round,pad=0.25", fc="#dbe9f6", ec="#4a7fb5")
    dbox = dict(boxstyle="round,pad=0.25", fc="#fde3c8", ec="#d2803a")
    for i, (x, ch) in enumerate(zip(enc_x, source)):
        ax.text(x, enc_y, f"$h_{{{i + 1}}}$", ha="center", va="center", fontsize=8, bbox=box)
        ax.text(x, enc_y - 0.8, repr(ch)[1:-1] if ch != " " else "␣", ha="center", fontsize=10, family="monospace")
        if i:
            ax.annotate("", (x - 0.3, enc_y), (x - dx + 0.3, enc_y), arrowprops=dict(arrowstyle="->", lw=0.8))
    for t, (x, ch) in enumerate(zip(dec_x, target)):
        ax.text(x, dec_y, f"$s_{{{t + 1}}}$", ha="center", va="center", fontsize=8, bbox=dbox)
        ax.text(x, dec_y + 0.8, ch, ha="center", fontsize=10, family="monospace")
        if t:
            ax.annotate("", (x - 0.3, dec_y), (x - dx + 0.3, dec_y), arrowprops=dict(arrowstyle="->", lw=0.8))
    if attention:
        year_start = source.index(target[:4])
        alpha = np.full(n, 0.02)
        alpha[year_start + focus] = 0.7
        alpha[year_start:year_start + 4] += 0.06
        alpha /= alpha.sum()
        for x, a in zip(enc_x, alpha):
            ax.plot([x, dec_x[focus]], [enc_y + 0.3, dec_y - 0.3], color="#c0392b", alpha=min(1.0, 0.15 + a),
                    lw=0.5 + 5 * a)
        ax.text(dec_x[focus] + 0.3, (enc_y + dec_y) / 2, r"$c_t=\sum_i \alpha_{t,i} h_i$", fontsize=10,
                color="#c0392b")
        ax.set_title("dengan perhatian: setiap $s_t$ melihat semua $h_i$", fontsize=10)
    else:
        cx, cy = (enc_x[-1] + dec_x[0]) / 2, (enc_y + dec_y) / 2
        ax.add_patch(patches.FancyBboxPatch((cx - 0.35, cy - 0.3), 0.7, 0.6, boxstyle="round,pad=0.05",
                                            fc="#e8e8e8", ec="black"))
        ax.text(cx, cy, "$c$", ha="center", va="center", fontsize=12)
        ax.annotate("", (cx - 0.4, cy - 0.1), (enc_x[-1] + 0.3, enc_y + 0.2), arrowprops=dict(arrowstyle="->"))
        ax.annotate("", (dec_x[0] - 0.3, dec_y - 0.2), (cx + 0.4, cy + 0.1), arrowprops=dict(arrowstyle="->"))
        ax.set_title("tanpa perhatian: seluruh masukan lewat satu vektor $c$", fontsize=10)
    ax.set_xlim(-0.8, dec_x[-1] + 0.8)
    ax.set_ylim(-1.3, dec_y + 1.4)
    ax.axis("off")
    return ax
