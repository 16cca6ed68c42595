"""The date-normalisation task of notebook 01 (made here, no download), and its character vocabularies.

A date written the way people write it, in Indonesian or English, often inside a
few filler words, is translated character by character into ISO ``YYYY-MM-DD``::

    "rapat pada senin, 5 maret 2021 di kantor"  ->  "2021-03-05"

Every output character comes from a few input characters (the year digits, the
month name, the day), so the task has a natural *alignment* that an attention
matrix can show, and the input length is controlled by the number of filler words.
``length_buckets``/``accuracy_by_length`` group exact-match results by input length.
"""
import datetime
import random
import string

import numpy as np

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


def generate(n, min_len, max_len, seed=0, exclude=()):
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
        inputs, targets = generate(n, lo, hi, seed=seed * 1000 + i, exclude=seen)
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


def length_buckets(edges):
    """Buckets ``[(lo, hi), ...]`` between consecutive ``edges``: ``[8, 16, 24]`` -> ``[(8, 16), (17, 24)]``."""
    return [(lo + (i > 0), hi) for i, (lo, hi) in enumerate(zip(edges, edges[1:]))]


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
