"""Self-checking exercises (Latihan) and quizzes (Kuis) at the end of every lesson notebook.

In a notebook::

    from lesson_utils.latihan import nb01
    nb01.latihan1.cek(my_function)   # right or not, and what is wrong (shape, values, a hint), in Indonesian
    nb01.latihan1.petunjuk()         # a hint
    nb01.latihan1.solusi()           # the worked solution, only when asked
    nb01.kuis1.cek("b")              # a multiple-choice question

Checks are deterministic and take seconds on a CPU; they never raise for a wrong or empty answer
(they print what is wrong). Each exercise carries its answer cell's ``template`` and its ``solution``:
`make sync` writes the template into the student's notebook, and the test command runs a copy of every
notebook with the solutions filled in (tools/sync_notebooks.py), so the solutions are tested too.
"""
import textwrap
import traceback
from types import SimpleNamespace

import numpy as np

OK = "Benar!"


class Wrong(Exception):
    """A checker's verdict: the answer is wrong, and the message says how (without giving the solution)."""


class Exercise:
    """One exercise: ``cek(answer)``, ``petunjuk()``, ``solusi()``; ``template``/``solution`` are the answer cell."""

    def __init__(self, name, check, hint, solution, template, call):
        self.name, self._check, self.hint = name, check, hint
        self.solution, self.template, self.call = textwrap.dedent(solution).strip(), textwrap.dedent(template).strip(), call

    def cek(self, *answer):
        """Check an answer; prints the verdict and returns True or False (never raises for a wrong answer)."""
        if not answer or any(a is None or a is Ellipsis for a in answer):
            print(f"{self.name}: belum ada jawaban. Lengkapi sel di atas, lalu jalankan lagi.")
            return False
        try:
            self._check(*answer)
        except Wrong as verdict:
            print(f"{self.name}: belum tepat. {verdict}")
            return False
        except Exception as error:  # the student's code failed: show where, briefly, without a traceback
            last = traceback.extract_tb(error.__traceback__)[-1]
            print(f"{self.name}: kode Anda gagal dijalankan: {type(error).__name__}: {error} "
                  f"(baris {last.lineno}: {last.line})")
            return False
        print(f"{self.name}: {OK}")
        return True

    def petunjuk(self):
        print(f"Petunjuk {self.name}: {self.hint}")

    def solusi(self):
        print(f"Solusi {self.name}:\n\n{self.solution}")

    def cell(self, solved=False):
        """The answer cell's code: the template (student) or the solution (the tested copy), then the check."""
        return f"{self.solution if solved else self.template}\n\n{self.call}"


class Quiz:
    """A multiple-choice question: ``cek("b")`` says right or wrong and why the chosen option is (not) right."""

    def __init__(self, name, answer, why, call):
        self.name, self.answer, self.why, self.call = name, answer, why, call

    def cek(self, choice=""):
        choice = str(choice).strip().lower()
        if not choice:
            print(f"{self.name}: belum dijawab. Tulis huruf pilihan Anda, misalnya \"a\".")
            return False
        if choice not in self.why:
            print(f"{self.name}: pilihan {choice!r} tidak ada; pilih salah satu dari {', '.join(sorted(self.why))}.")
            return False
        verdict = OK if choice == self.answer else "Belum tepat."
        print(f"{self.name}: {verdict} {self.why[choice]}")
        return choice == self.answer

    def cell(self, solved=False):
        return self.call.replace('cek("")', f'cek("{self.answer}")') if solved else self.call


def close(value, expected, what, atol=1e-5):
    """Raise ``Wrong`` naming what differs: type, shape, then values."""
    value = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    expected = np.asarray(expected)
    if value.shape != expected.shape:
        raise Wrong(f"{what} berbentuk {value.shape}, seharusnya {expected.shape}.")
    if not np.allclose(value, expected, atol=atol):
        worst = np.unravel_index(np.abs(value - expected).argmax(), value.shape)
        raise Wrong(f"{what} berbentuk benar, tetapi nilainya berbeda (misalnya di posisi {tuple(int(i) for i in worst)}: "
                    f"{value[worst]:.4g}, seharusnya {expected[worst]:.4g}).")


def exercises(notebook):
    """All exercises and quizzes of a notebook module (``nb01``...), in order: for the generator and the tests."""
    return [item for item in vars(globals()[notebook]).values() if isinstance(item, (Exercise, Quiz))]


# The notebooks' exercises: SimpleNamespace(latihan1=Exercise(...), kuis1=Quiz(...)) per notebook.
def _returned(fn, *args, what="Fungsi Anda"):
    """Call a student's function; ``Wrong`` if it still returns nothing (the template's ``...``)."""
    if not callable(fn):
        raise Wrong(f"{what} harus berupa fungsi (def ...), bukan {type(fn).__name__}.")
    result = fn(*args)
    if result is None:
        raise Wrong(f"{what} belum mengembalikan apa-apa (None): lengkapi bagian `...` lalu `return` hasilnya.")
    return result


def _rng(seed):
    return np.random.default_rng(seed)


def _np(value):
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


# --- notebook 01: additive attention -------------------------------------------------------------

def _additive_scores(query, keys, W_q, W_k, v):
    return np.tanh(query @ W_q + keys @ W_k) @ v


def _check_additive(fn):
    rng = _rng(1)
    query, keys = rng.normal(size=4), rng.normal(size=(5, 4))
    W_q, W_k, v = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=3)
    got = _np(_returned(fn, query, keys, W_q, W_k, v))
    expected = _additive_scores(query, keys, W_q, W_k, v)
    if got.shape == (5, 3):
        raise Wrong("hasilnya berbentuk (T, u): Anda lupa mengalikan dengan v di akhir (skor satu angka per posisi).")
    close(got, expected, "skor", atol=1e-4)


def _check_masked_softmax(fn):
    scores = np.array([[2.0, 1.0, 0.5, 3.0], [0.0, -1.0, 4.0, 1.0]])
    mask = np.array([[1, 1, 1, 0], [1, 0, 1, 1]])
    got = _np(_returned(fn, scores, mask))
    expected = np.where(mask, np.exp(scores - scores.max(-1, keepdims=True)), 0.0)
    expected /= expected.sum(-1, keepdims=True)
    if got.shape == expected.shape and np.any(np.abs(got[mask == 0]) > 1e-6):
        raise Wrong("posisi yang di-mask (mask 0) masih mendapat bobot: beri skornya bilangan negatif yang besar "
                    "sebelum softmax.")
    if got.shape == expected.shape and not np.allclose(got.sum(-1), 1.0, atol=1e-5):
        raise Wrong("bobot setiap baris belum berjumlah 1: softmax dihitung pada sumbu terakhir (posisi masukan).")
    close(got, expected, "bobot perhatian", atol=1e-5)


def _check_context(fn):
    rng = _rng(2)
    weights = rng.dirichlet(np.ones(6), size=3)  # (batch, T)
    values = rng.normal(size=(3, 6, 4))  # (batch, T, d)
    got = _np(_returned(fn, weights, values))
    if got.shape == (3, 6, 4):
        raise Wrong("hasilnya masih berbentuk (batch, T, d): jumlahkan juga atas posisi T.")
    close(got, np.einsum("bt,btd->bd", weights, values), "vektor konteks", atol=1e-5)


nb01 = SimpleNamespace(
    latihan1=Exercise(
        "Latihan 1", _check_additive,
        hint="Skor aditif untuk setiap posisi i adalah v^T tanh(W_q s + W_k h_i). Dengan matriks: `keys @ W_k` "
             "memproses semua posisi sekaligus, `query @ W_q` ditambahkan ke setiap baris (broadcasting).",
        solution="""
            def skor_aditif(query, keys, W_q, W_k, v):
                return np.tanh(query @ W_q + keys @ W_k) @ v
        """,
        template="""
            # query: (d,)  keys: (T, d)  W_q, W_k: (d, u)  v: (u,)  ->  skor: (T,)
            def skor_aditif(query, keys, W_q, W_k, v):
                ...  # tulis kode Anda di sini (NumPy)
        """,
        call="nb01.latihan1.cek(skor_aditif)\n# nb01.latihan1.petunjuk()\n# nb01.latihan1.solusi()"),
    latihan2=Exercise(
        "Latihan 2", _check_masked_softmax,
        hint="Ganti skor di posisi dengan mask 0 dengan -1e9 (`np.where`), lalu softmax pada sumbu terakhir: "
             "`np.exp(s - s.max(-1, keepdims=True))` dibagi jumlahnya.",
        solution="""
            def softmax_bermask(scores, mask):
                scores = np.where(mask == 1, scores, -1e9)
                e = np.exp(scores - scores.max(axis=-1, keepdims=True))
                return e / e.sum(axis=-1, keepdims=True)
        """,
        template="""
            # scores: (batch, T) skor perhatian; mask: (batch, T), 1 = karakter asli, 0 = padding
            # -> bobot (batch, T): softmax per baris, 0 di posisi padding
            def softmax_bermask(scores, mask):
                ...  # tulis kode Anda di sini (NumPy)
        """,
        call="nb01.latihan2.cek(softmax_bermask)\n# nb01.latihan2.petunjuk()\n# nb01.latihan2.solusi()"),
    latihan3=Exercise(
        "Latihan 3", _check_context,
        hint="Konteks c = sum_i alpha_i h_i untuk setiap contoh di batch: `(weights[:, :, None] * values).sum(1)`, "
             "atau `np.einsum(\"bt,btd->bd\", weights, values)`.",
        solution="""
            def vektor_konteks(weights, values):
                return (weights[:, :, None] * values).sum(axis=1)
        """,
        template="""
            # weights: (batch, T) bobot perhatian; values: (batch, T, d) keluaran encoder -> konteks (batch, d)
            def vektor_konteks(weights, values):
                ...  # tulis kode Anda di sini (NumPy)
        """,
        call="nb01.latihan3.cek(vektor_konteks)\n# nb01.latihan3.petunjuk()\n# nb01.latihan3.solusi()"),
    kuis1=Quiz("Kuis 1", "b", {
        "a": "Model tanpa perhatian hanya sekitar 6% lebih sedikit parameternya; masalahnya bukan jumlah parameter.",
        "b": "Encoder harus memeras seluruh masukan ke satu vektor berukuran tetap; makin panjang masukannya, makin "
             "banyak informasi yang hilang. Perhatian membiarkan decoder melihat semua keadaan encoder.",
        "c": "Kedua model dilatih dengan data yang sama; yang berbeda adalah apa yang boleh dilihat decoder.",
    }, call='nb01.kuis1.cek("")  # tulis huruf pilihan Anda: "a", "b", atau "c"'),
    kuis2=Quiz("Kuis 2", "a", {
        "a": "Setiap baris adalah hasil softmax atas posisi masukan, jadi jumlahnya 1.",
        "b": "Kolom tidak dinormalisasi: satu karakter masukan bisa diperhatikan banyak langkah keluaran, atau tidak "
             "sama sekali.",
        "c": "Matriksnya tidak simetris dan umumnya bahkan tidak persegi (panjang masukan dan keluaran berbeda).",
    }, call='nb01.kuis2.cek("")  # "a", "b", atau "c"'),
    kuis3=Quiz("Kuis 3", "c", {
        "a": "Dengan skor 0, exp(0) = 1: padding tetap mendapat bobot yang sama dengan token biasa.",
        "b": "Menghapus padding setelah softmax membuat bobotnya tidak berjumlah 1 lagi, dan posisinya tetap "
             "memengaruhi normalisasi.",
        "c": "Skor negatif yang besar membuat exp(skor) praktis 0, jadi softmax membagi bobot hanya di antara "
             "karakter asli.",
    }, call='nb01.kuis3.cek("")  # "a", "b", atau "c"'),
)


# --- notebook 02: the transformer block ----------------------------------------------------------

def _check_attention_mask(fn):
    ids = np.array([[5, 3, 9, 0, 0], [7, 0, 0, 0, 0], [1, 2, 3, 4, 6]])
    got = _np(_returned(fn, ids))
    real = ids != 0
    expected = real[:, :, None] & real[:, None, :]
    if got.shape == (3, 5):
        raise Wrong("hasilnya berbentuk (batch, panjang): itu mask Keras; mask perhatian berbentuk "
                    "(batch, query, key).")
    if got.shape == expected.shape and np.array_equal(got.astype(bool), ~expected):
        raise Wrong("nilainya terbalik: True berarti 'boleh diperhatikan' (kedua token asli).")
    if got.shape == expected.shape and np.array_equal(got.astype(bool), np.broadcast_to(real[:, None, :], got.shape)):
        raise Wrong("hampir: key padding sudah di-mask, tetapi query padding juga harus False (kedua token asli), "
                    "seperti di TransformerBlock notebook ini.")
    close(got.astype(float), expected.astype(float), "mask perhatian")


def _check_padding_share(fn):
    lengths = np.array([3, 10, 72, 100, 41, 5])
    for maxlen in (8, 72):
        got = _returned(fn, lengths, maxlen)
        expected = float(np.mean(maxlen - np.minimum(lengths, maxlen)) / maxlen)
        if not np.isscalar(got) and np.ndim(got) != 0:
            raise Wrong("kembalikan satu angka (porsi padding dari semua posisi), bukan array per teks.")
        if abs(float(got) - expected) > 1e-6:
            hint = (" Teks yang lebih panjang daripada maxlen dipotong: ia tidak punya padding (bukan padding negatif)."
                    if abs(float(got) - float(np.mean(maxlen - lengths) / maxlen)) < 1e-6 else "")
            raise Wrong(f"untuk maxlen={maxlen} hasilnya {float(got):.4f}, seharusnya {expected:.4f}.{hint}")


def _sdpa(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    return w @ v, w


def _check_sdpa(fn):
    rng = _rng(3)
    q, k, v = rng.normal(size=(2, 3, 8)), rng.normal(size=(2, 4, 8)), rng.normal(size=(2, 4, 5))
    mask = np.array([[True, True, True, False], [True, True, False, False]])[:, None, :].repeat(3, axis=1)
    result = _returned(fn, q, k, v, mask)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Wrong("kembalikan dua nilai: `return output, weights`.")
    out, weights = (_np(r) for r in result)
    expected_out, expected_w = _sdpa(q, k, v, mask)
    if weights.shape == expected_w.shape and np.allclose(weights, _sdpa(q * np.sqrt(8), k, v, mask)[1], atol=1e-5):
        raise Wrong("skor belum dibagi sqrt(d_k) (d_k = dimensi terakhir q).")
    if weights.shape == expected_w.shape and np.allclose(weights, _sdpa(q, k, v)[1], atol=1e-5):
        raise Wrong("mask belum dipakai: posisi dengan mask False harus mendapat bobot 0.")
    close(weights, expected_w, "weights", atol=1e-5)
    close(out, expected_out, "output", atol=1e-5)


nb02 = SimpleNamespace(
    latihan1=Exercise(
        "Latihan 1", _check_attention_mask,
        hint="Buat dulu `real = token_ids != 0` berbentuk (batch, T), lalu gabungkan dua sumbu baru: "
             "`real[:, :, None] & real[:, None, :]` (query x key).",
        solution="""
            def mask_perhatian(token_ids):
                real = token_ids != 0
                return real[:, :, None] & real[:, None, :]
        """,
        template="""
            # token_ids: (batch, T), 0 = padding  ->  mask perhatian (batch, T, T) bertipe bool:
            # True di [b, i, j] bila token query i dan token key j keduanya token asli
            def mask_perhatian(token_ids):
                ...  # tulis kode Anda di sini (NumPy)
        """,
        call="nb02.latihan1.cek(mask_perhatian)\n# nb02.latihan1.petunjuk()\n# nb02.latihan1.solusi()"),
    latihan2=Exercise(
        "Latihan 2", _check_padding_share,
        hint="Teks sepanjang n mendapat max(maxlen - n, 0) posisi padding; bagi jumlahnya dengan "
             "len(lengths) * maxlen. `np.minimum(lengths, maxlen)` membantu.",
        solution="""
            def porsi_padding(lengths, maxlen):
                lengths = np.asarray(lengths)
                return float(np.mean(maxlen - np.minimum(lengths, maxlen)) / maxlen)
        """,
        template="""
            # lengths: panjang (token) setiap teks; maxlen: panjang setelah padding/pemotongan
            # -> porsi posisi padding dari semua len(lengths) * maxlen posisi (satu angka, 0..1)
            def porsi_padding(lengths, maxlen):
                ...  # tulis kode Anda di sini
        """,
        call="nb02.latihan2.cek(porsi_padding)\n# nb02.latihan2.petunjuk()\n# nb02.latihan2.solusi()"),
    latihan3=Exercise(
        "Latihan 3", _check_sdpa,
        hint="scores = q @ k^T / sqrt(d_k) (`np.swapaxes(k, -1, -2)`), `np.where(mask, scores, -1e9)`, softmax pada "
             "sumbu terakhir, lalu `weights @ v`.",
        solution="""
            def scaled_dot_product(q, k, v, mask):
                scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
                scores = np.where(mask, scores, -1e9)
                weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
                weights = weights / weights.sum(axis=-1, keepdims=True)
                return weights @ v, weights
        """,
        template="""
            # q: (batch, Tq, d_k), k: (batch, Tk, d_k), v: (batch, Tk, d_v), mask: (batch, Tq, Tk) bool
            # -> (output (batch, Tq, d_v), weights (batch, Tq, Tk))
            def scaled_dot_product(q, k, v, mask):
                ...  # tulis kode Anda di sini (NumPy)
        """,
        call="nb02.latihan3.cek(scaled_dot_product)\n# nb02.latihan3.petunjuk()\n# nb02.latihan3.solusi()"),
    kuis1=Quiz("Kuis 1", "b", {
        "a": "Pembagian tidak mengubah urutan skor, jadi bukan soal urutan; dan biaya komputasinya sama.",
        "b": "Hasil kali titik dua vektor acak berdimensi d_k punya variansi sekitar d_k; tanpa pembagian, softmax "
             "menjadi sangat tajam (jenuh) dan gradiennya hampir nol.",
        "c": "Jumlah bobot selalu 1 karena softmax, dengan atau tanpa pembagian.",
    }, call='nb02.kuis1.cek("")  # "a", "b", atau "c"'),
    kuis2=Quiz("Kuis 2", "c", {
        "a": "Tanpa embedding posisi, self-attention tetap bisa dilatih; masalahnya lain.",
        "b": "Jumlah parameter tidak bergantung pada urutan token.",
        "c": "Self-attention tidak membedakan urutan: menukar dua token hanya menukar baris keluarannya, dan setelah "
             "rata-rata hasilnya sama. Tanpa posisi, model hanya melihat kumpulan kata (bag of words).",
    }, call='nb02.kuis2.cek("")  # "a", "b", atau "c"'),
    kuis3=Quiz("Kuis 3", "a", {
        "a": "Dengan mask, padding tidak pernah diperhatikan dan tidak ikut dirata-ratakan, jadi prediksinya tidak "
             "berubah (notebook ini mengukurnya).",
        "b": "Dengan mask, posisi padding tidak memengaruhi token asli; tanpa mask baru prediksi berubah.",
        "c": "Embedding token 0 tetap ada, tetapi mask membuatnya tidak berpengaruh.",
    }, call='nb02.kuis3.cek("")  # "a", "b", atau "c"'),
)


# --- notebook 03: BERT from TF Hub ---------------------------------------------------------------

def _check_schedule_steps(fn):
    for n, batch, epochs in ((4800, 32, 1), (1000, 32, 3), (100, 64, 2)):
        result = _returned(fn, n, batch, epochs)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise Wrong("kembalikan dua bilangan bulat: `return total_steps, warmup_steps`.")
        total, warmup = (int(r) for r in result)
        steps = -(-n // batch) * epochs
        if total == n * epochs:
            raise Wrong("total_steps masih dihitung dalam contoh; jadwal learning rate menghitung langkah optimizer, "
                        "yaitu batch.")
        if total == (n // batch) * epochs and total != steps:
            raise Wrong(f"untuk {n} contoh, batch {batch}: batch terakhir yang tidak penuh juga satu langkah "
                        "(bulatkan ke atas).")
        if (total, warmup) != (steps, round(0.1 * steps)):
            raise Wrong(f"untuk {n} contoh, batch {batch}, {epochs} epoch: ({total}, {warmup}), "
                        f"seharusnya ({steps}, {round(0.1 * steps)}).")


def _check_mean_pooling(fn):
    rng = _rng(4)
    sequence = rng.normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype="int32")
    got = _np(_returned(fn, sequence, mask))
    expected = (sequence * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
    if got.shape == expected.shape and np.allclose(got, sequence.mean(1), atol=1e-5):
        raise Wrong("itu rata-rata semua posisi, padding ikut terhitung: kalikan dengan mask dan bagi dengan "
                    "jumlah token asli.")
    if got.shape == expected.shape and np.allclose(got, (sequence * mask[:, :, None]).sum(1) / 5, atol=1e-5):
        raise Wrong("padding sudah dinolkan, tetapi pembaginya masih panjang penuh T: bagi dengan jumlah token asli.")
    close(got, expected, "rata-rata token", atol=1e-5)


def _check_seq_length(fn):
    lengths = np.concatenate([np.arange(10, 60), [61, 63, 70, 200]])
    for coverage, expected in ((0.99, _seq_length(lengths, 0.99)), (0.5, _seq_length(lengths, 0.5))):
        got = _returned(fn, lengths, coverage)
        if int(got) != expected:
            raise Wrong(f"untuk coverage={coverage} hasilnya {got}, seharusnya {expected} (persentil, lalu "
                        "dibulatkan ke atas ke kelipatan 8).")


def _seq_length(lengths, coverage, multiple=8):
    return int(-(-np.percentile(lengths, 100 * coverage) // multiple) * multiple)


nb03 = SimpleNamespace(
    latihan1=Exercise(
        "Latihan 1", _check_schedule_steps,
        hint="Jadwal dipanggil sekali per langkah optimizer, yaitu per batch: ceil(n / batch_size) langkah per epoch. "
             "Warm-up = round(0.1 * total).",
        solution="""
            import math

            def langkah_jadwal(n_examples, batch_size, epochs):
                total_steps = math.ceil(n_examples / batch_size) * epochs
                return total_steps, round(0.1 * total_steps)
        """,
        template="""
            # n_examples contoh latih, batch_size, epochs -> (total_steps, warmup_steps) untuk jadwal learning rate
            # (warm-up = 10% dari total, dibulatkan ke bilangan bulat terdekat, seperti training.adamw_with_warmup)
            def langkah_jadwal(n_examples, batch_size, epochs):
                ...  # tulis kode Anda di sini
        """,
        call="nb03.latihan1.cek(langkah_jadwal)\n# nb03.latihan1.petunjuk()\n# nb03.latihan1.solusi()"),
    latihan2=Exercise(
        "Latihan 2", _check_mean_pooling,
        hint="Ubah mask ke float dan tambahkan sumbu: `m = mask[:, :, None]`; jumlahkan `sequence_output * m` atas "
             "sumbu 1, lalu bagi dengan `m.sum(1)`.",
        solution="""
            def rata_rata_token(sequence_output, input_mask):
                m = np.asarray(input_mask, dtype="float32")[:, :, None]
                return (sequence_output * m).sum(axis=1) / m.sum(axis=1)
        """,
        template="""
            # sequence_output: (batch, T, H); input_mask: (batch, T) bilangan bulat, 1 = token asli
            # -> (batch, H): rata-rata vektor token asli saja (seperti MaskedMeanPooling di notebook ini)
            def rata_rata_token(sequence_output, input_mask):
                ...  # tulis kode Anda di sini (NumPy)
        """,
        call="nb03.latihan2.cek(rata_rata_token)\n# nb03.latihan2.petunjuk()\n# nb03.latihan2.solusi()"),
    latihan3=Exercise(
        "Latihan 3", _check_seq_length,
        hint="`np.percentile(lengths, 100 * coverage)` memberi panjang yang mencakup porsi itu; bulatkan ke atas ke "
             "kelipatan 8: `math.ceil(p / 8) * 8`.",
        solution="""
            import math

            def pilih_seq_length(lengths, coverage):
                return math.ceil(np.percentile(lengths, 100 * coverage) / 8) * 8
        """,
        template="""
            # lengths: panjang token setiap teks latih; coverage: porsi teks yang tidak boleh terpotong (mis. 0.99)
            # -> seq_length: persentil itu, dibulatkan ke atas ke kelipatan 8
            def pilih_seq_length(lengths, coverage):
                ...  # tulis kode Anda di sini
        """,
        call="nb03.latihan3.cek(pilih_seq_length)\n# nb03.latihan3.petunjuk()\n# nb03.latihan3.solusi()"),
    kuis1=Quiz("Kuis 1", "c", {
        "a": "Rata-rata token adalah alternatif yang kita hitung sendiri (MaskedMeanPooling), bukan pooled_output.",
        "b": "Vektor [CLS] mentah ada di sequence_output[:, 0]; pooled_output masih melewati satu lapisan lagi.",
        "c": "pooled_output = tanh(W h_[CLS] + b): vektor [CLS] dari lapisan terakhir melewati lapisan dense pooler "
             "yang dilatih untuk tugas pre-training prediksi kalimat berikutnya (next sentence prediction).",
    }, call='nb03.kuis1.cek("")  # "a", "b", atau "c"'),
    kuis2=Quiz("Kuis 2", "a", {
        "a": "Jadwal menghitung langkah optimizer (batch). Dihitung dalam contoh, warm-up dan decay menjadi sebanyak "
             "ukuran batch kali terlalu panjang (128 kali di pelajaran asli): learning rate tidak pernah mencapai "
             "puncak yang direncanakan.",
        "b": "Jumlah contoh dan jumlah batch memang berbeda; itulah sebabnya hasilnya salah.",
        "c": "Optimizer tidak tahu apa-apa tentang contoh; ia hanya menghitung berapa kali apply_gradients dipanggil.",
    }, call='nb03.kuis2.cek("")  # "a", "b", atau "c"'),
    kuis3=Quiz("Kuis 3", "b", {
        "a": "Dengan encoder beku, bobot BERT tidak berubah sama sekali.",
        "b": "Hanya kepala (dropout + dense) yang dilatih; fiturnya tetap, sehingga bisa dihitung sekali dan dipakai "
             "ulang di setiap epoch.",
        "c": "Embedding juga bagian dari encoder, jadi ikut beku.",
    }, call='nb03.kuis3.cek("")  # "a", "b", atau "c"'),
)


# --- notebook 04: BERT through transformers -------------------------------------------------------

def _check_loss(fn):
    loss = _returned(fn)
    if not callable(loss):
        raise Wrong("kembalikan objek loss Keras (misalnya keras.losses.Something(...)), bukan angka.")
    labels = np.array([0, 2, 1])
    logits = np.array([[2.0, -1.0, 0.5, 0.1], [0.3, 0.2, 3.0, -2.0], [-1.0, -2.0, -3.0, 4.0]], dtype="float32")
    got = float(_np(loss(labels, logits)))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = float(-log_probs[np.arange(3), labels].mean())
    if not np.isfinite(got) or abs(got - expected) > 1e-4:
        raise Wrong(f"pada logits contoh, loss Anda {got:.4f}, seharusnya {expected:.4f}: keluaran model adalah "
                    "logits, bukan probabilitas.")


def _check_padded_batch(fn):
    import tensorflow as tf

    sequences = [[101, 7, 102], [101, 5, 6, 8, 9, 102], [101, 102], [101, 4, 4, 102]]
    ds = tf.data.Dataset.from_generator(lambda: iter(sequences), output_signature=tf.TensorSpec([None], tf.int32))
    result = _returned(fn, ds, 2)
    if not isinstance(result, tf.data.Dataset):
        raise Wrong("kembalikan tf.data.Dataset (hasil ds.padded_batch(...)).")
    batches = [b.numpy() for b in result]
    shapes = [b.shape for b in batches]
    if shapes == [(2, 6), (2, 4)]:
        if not all(np.array_equal(row[:len(s)], s) and not row[len(s):].any()
                   for b, pair in zip(batches, (sequences[:2], sequences[2:])) for row, s in zip(b, pair)):
            raise Wrong("bentuknya benar, tetapi isinya berubah: padding harus 0 ([PAD]) di akhir setiap barisan.")
        return
    if len(set(shapes)) == 1 and len(shapes) == 2:
        raise Wrong(f"setiap batch di-padding ke panjang yang sama {shapes[0][1]}: untuk padding dinamis, biarkan "
                    "padded_shapes None (panjang terpanjang di batch itu).")
    raise Wrong(f"batch berbentuk {shapes}, seharusnya [(2, 6), (2, 4)] untuk batch_size=2.")


PAIR = ("the cat sat on the mat.", "it was tired.")


def _check_pair(encoded):
    from . import pretrained
    from transformers import BertTokenizerFast

    tokenizer = BertTokenizerFast.from_pretrained(pretrained.handles()["hf_model"])
    expected = tokenizer(*PAIR)
    ids = list(encoded["input_ids"]) if "input_ids" in encoded else None
    types = list(encoded["token_type_ids"]) if "token_type_ids" in encoded else []
    if ids is None:
        raise Wrong("kembalikan keluaran tokenizer (dict dengan input_ids dan token_type_ids).")
    if ids == tokenizer(PAIR[0] + " " + PAIR[1])["input_ids"]:
        raise Wrong("kedua kalimat digabung menjadi satu teks: berikan keduanya sebagai dua argumen, "
                    "tokenizer(kalimat_a, kalimat_b), agar tokenizer menaruh [SEP] di antaranya.")
    if ids != expected["input_ids"]:
        raise Wrong("input_ids berbeda dari tokenizer(kalimat_a, kalimat_b): periksa urutan dan teks kalimatnya.")
    if types != list(expected["token_type_ids"]):
        raise Wrong("token_type_ids belum benar: 0 untuk [CLS] kalimat A [SEP], 1 untuk kalimat B [SEP].")


nb04 = SimpleNamespace(
    latihan1=Exercise(
        "Latihan 1", _check_loss,
        hint="TFBertForSequenceClassification mengeluarkan logits (sebelum softmax); loss-nya "
             "SparseCategoricalCrossentropy dengan satu argumen yang membedakan logits dari probabilitas.",
        solution="""
            def buat_loss():
                return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        """,
        template="""
            # -> objek loss Keras yang cocok untuk label bilangan bulat (0..3) dan keluaran model ini (logits)
            def buat_loss():
                ...  # tulis kode Anda di sini
        """,
        call="nb04.latihan1.cek(buat_loss)\n# nb04.latihan1.petunjuk()\n# nb04.latihan1.solusi()"),
    latihan2=Exercise(
        "Latihan 2", _check_padded_batch,
        hint="`ds.padded_batch(batch_size, padded_shapes=[None])`: None berarti panjang terpanjang di batch itu; "
             "nilai padding bawaannya 0, id [PAD].",
        solution="""
            def batch_dinamis(ds, batch_size):
                return ds.padded_batch(batch_size, padded_shapes=[None])
        """,
        template="""
            # ds: tf.data.Dataset berisi barisan token id dengan panjang berbeda-beda
            # -> dataset batch berukuran batch_size, setiap batch di-padding (dengan 0) ke barisan terpanjangnya saja
            def batch_dinamis(ds, batch_size):
                ...  # tulis kode Anda di sini
        """,
        call="nb04.latihan2.cek(batch_dinamis)\n# nb04.latihan2.petunjuk()\n# nb04.latihan2.solusi()"),
    latihan3=Exercise(
        "Latihan 3", _check_pair,
        hint="Panggil tokenizer dengan dua argumen: `tokenizer(kalimat_a, kalimat_b)`; lihat token_type_ids-nya.",
        solution="""
            kalimat_a, kalimat_b = "the cat sat on the mat.", "it was tired."
            pasangan = tokenizer(kalimat_a, kalimat_b)
            print(tokenizer.convert_ids_to_tokens(pasangan["input_ids"]))
            print(pasangan["token_type_ids"])
        """,
        template="""
            kalimat_a, kalimat_b = "the cat sat on the mat.", "it was tired."
            # tokenisasi kedua kalimat sebagai satu pasangan (seperti pasangan kalimat pada pre-training BERT)
            pasangan = ...  # tulis kode Anda di sini
        """,
        call="nb04.latihan3.cek(pasangan)\n# nb04.latihan3.petunjuk()\n# nb04.latihan3.solusi()"),
    kuis1=Quiz("Kuis 1", "b", {
        "a": "32 langkah memang sedikit, tetapi itu bukan penyebab utamanya: dengan loss yang salah, gradiennya "
             "tidak mengarahkan logits dengan benar, dan kepala beku pun belajar lebih buruk (notebook ini mengukurnya).",
        "b": "Loss memakai from_logits=False pada keluaran logits: Keras menganggap logits sebagai probabilitas "
             "(memotong dan menormalkannya), sehingga gradiennya tidak mengajari model.",
        "c": "Learning rate 5e-5 adalah nilai yang lazim untuk fine-tuning BERT.",
    }, call='nb04.kuis1.cek("")  # "a", "b", atau "c"'),
    kuis2=Quiz("Kuis 2", "c", {
        "a": "attention_mask tidak mengubah token id; token tetap [PAD].",
        "b": "Token dengan mask 0 tetap dihitung (biayanya sama); hanya tidak diperhatikan.",
        "c": "Posisi dengan attention_mask 0 ([PAD]) tidak diperhatikan oleh token lain: skornya diberi bilangan "
             "negatif yang besar sebelum softmax.",
    }, call='nb04.kuis2.cek("")  # "a", "b", atau "c"'),
    kuis3=Quiz("Kuis 3", "a", {
        "a": "Setiap langkah menghitung semua posisi, termasuk [PAD]; batch dengan panjang serupa membuang lebih "
             "sedikit posisi untuk padding, jadi lebih banyak contoh per detik.",
        "b": "Bucketing tidak mengubah model atau jumlah parameternya.",
        "c": "Urutan contoh diacak di dalam bucket; bucketing tidak membuat pelatihan deterministik.",
    }, call='nb04.kuis3.cek("")  # "a", "b", atau "c"'),
)


def _nb05_length(pilih_panjang):
    cases = [(np.arange(1, 101), 95), (np.array([3, 5, 7, 9, 120]), 50), (np.array([10] * 20 + [64]), 99),
             (np.array([17, 24, 33, 40, 41]), 100)]
    for lengths, percentile in cases:
        expected = int(np.ceil(np.percentile(lengths, percentile) / 8) * 8)
        got = pilih_panjang(lengths.copy(), percentile)
        if not isinstance(got, (int, np.integer)):
            raise Wrong(f"jawaban harus bilangan bulat, bukan {type(got).__name__} ({got!r}).")
        if got % 8:
            raise Wrong(f"untuk persentil {percentile} dari {lengths.tolist()[:6]}... jawaban Anda {got} bukan "
                        "kelipatan 8.")
        if got != expected:
            hint = "membulatkan ke bawah memotong lebih banyak teks" if got < expected else "ada kelipatan 8 yang lebih kecil"
            raise Wrong(f"untuk persentil {percentile} dari {lengths.tolist()[:6]}... jawaban Anda {got}, "
                        f"seharusnya {expected} ({hint}).")


def _nb05_steps(langkah_total):
    for n, batch, epochs in [(4800, 32, 1), (800, 32, 3), (1000, 32, 2), (33, 32, 1), (10, 64, 5)]:
        expected = -(-n // batch) * epochs
        got = langkah_total(n, batch, epochs)
        if got != expected:
            if got == n * epochs:
                raise Wrong(f"untuk {n} contoh, batch {batch}, {epochs} epoch Anda menghitung contoh ({got}), "
                            "bukan batch.")
            if got == (n // batch) * epochs:
                raise Wrong(f"untuk {n} contoh, batch {batch}: batch terakhir yang lebih kecil juga satu langkah.")
            raise Wrong(f"untuk {n} contoh, batch {batch}, {epochs} epoch jawaban Anda {got!r}, seharusnya {expected}.")


def _nb05_truncated(fn):
    lengths = np.array([12, 40, 80, 81, 95, 33, 200, 80])
    for seq_len in (80, 32, 512):
        got = _returned(fn, lengths.copy(), seq_len)
        expected = float(np.mean(lengths > seq_len))
        if np.ndim(got) != 0:
            raise Wrong("kembalikan satu angka (porsi teks), bukan array per teks.")
        if abs(float(got) - float(np.mean(lengths >= seq_len))) < 1e-9 and abs(float(got) - expected) > 1e-9:
            raise Wrong(f"untuk sequence_length={seq_len}: teks yang panjangnya tepat {seq_len} token masih muat "
                        "utuh; hanya yang lebih panjang yang terpotong.")
        if abs(float(got) - expected) > 1e-9:
            raise Wrong(f"untuk sequence_length={seq_len} hasilnya {float(got):.4f}, seharusnya {expected:.4f}.")


nb05 = SimpleNamespace(
    latihan1=Exercise(
        "Latihan 1", _nb05_length,
        "np.percentile(lengths, percentile) memberi panjang yang dicakup; bagi dengan 8, bulatkan ke atas "
        "(np.ceil), kalikan lagi dengan 8, dan jadikan int.",
        """
        def pilih_panjang(lengths, percentile):
            return int(np.ceil(np.percentile(lengths, percentile) / 8) * 8)
        """,
        """
        def pilih_panjang(lengths, percentile):
            ...  # the smallest multiple of 8 that holds `percentile` % of `lengths`
        """,
        "nb05.latihan1.cek(pilih_panjang)"),
    latihan2=Exercise(
        "Latihan 2", _nb05_steps,
        "Satu epoch berisi ceil(n_contoh / batch_size) batch; setiap batch adalah satu langkah optimizer.",
        """
        def langkah_total(n_contoh, batch_size, epochs):
            return int(np.ceil(n_contoh / batch_size)) * epochs
        """,
        """
        def langkah_total(n_contoh, batch_size, epochs):
            ...  # optimizer steps (batches) in the whole training
        """,
        "nb05.latihan2.cek(langkah_total)"),
    kuis1=Quiz(
        "Kuis 1", "b",
        {"a": "Label bilangan bulat menentukan pilihan SparseCategoricalCrossentropy (bukan CategoricalCrossentropy), bukan from_logits.",
         "b": "Lapisan Dense terakhir BertTextClassifier tidak punya softmax; from_logits=True membuat loss "
              "menerapkan softmax (dengan cara yang stabil secara numerik).",
         "c": "Presisi tidak menentukan arti keluaran model: dengan float32 pun keluarannya tetap logits.",
         "d": "Tidak sama: dengan from_logits=False logits dibaca sebagai probabilitas, dan notebook 04 "
              "memperlihatkan kepala yang belajar jauh lebih buruk."},
        'nb05.kuis1.cek("")'),
    latihan3=Exercise(
        "Latihan 3", _nb05_truncated,
        hint="Teks terpotong bila panjang tokennya lebih dari sequence_length: `np.mean(lengths > seq_len)`.",
        solution="""
            def porsi_terpotong(lengths, seq_len):
                return float(np.mean(np.asarray(lengths) > seq_len))
        """,
        template="""
            # lengths: panjang token setiap teks (termasuk [CLS] dan [SEP]); seq_len: sequence_length preprocessor
            # -> porsi teks (0..1) yang dipotong preprocessor
            def porsi_terpotong(lengths, seq_len):
                ...  # tulis kode Anda di sini
        """,
        call="nb05.latihan3.cek(porsi_terpotong)\n# nb05.latihan3.petunjuk()\n# nb05.latihan3.solusi()"),
    kuis2=Quiz("Kuis 2", "a", {
        "a": "Keras 3 memilih backend sekali, saat pertama kali diimpor; mengubah KERAS_BACKEND sesudahnya tidak "
             "berpengaruh sampai kernel dimulai ulang.",
        "b": "KERAS_BACKEND tidak memilih versi Keras; tf_keras (Keras 2) tetap paket tersendiri.",
        "c": "Backend tidak mengubah bobot pralatih; preset yang sama bisa dimuat di TensorFlow, JAX, atau PyTorch.",
    }, call='nb05.kuis2.cek("")  # "a", "b", atau "c"'),
    kuis3=Quiz("Kuis 3", "c", {
        "a": "hub.KerasLayer hanya bekerja dengan Keras 2 (tf_keras), yang tidak lagi dikembangkan.",
        "b": "transformers versi 5 menghapus semua kelas TensorFlow; modul ini memakai versi 4.57.",
        "c": "KerasHub dikembangkan untuk Keras 3 dan berjalan di TensorFlow, JAX, dan PyTorch.",
    }, call='nb05.kuis3.cek("")  # "a", "b", atau "c"'),
)
def _nb06_causal_mask(fn):
    for n in (1, 4, 7):
        mask = np.asarray(fn(n))
        if mask.shape != (n, n):
            raise Wrong(f"untuk n = {n} hasilnya berbentuk {mask.shape}, seharusnya {(n, n)}.")
        if mask.dtype != bool:
            raise Wrong(f"tipe datanya {mask.dtype}, seharusnya bool (True = boleh dilihat).")
        expected = np.tril(np.ones((n, n), dtype=bool))
        if mask[0, 1:].any() if n > 1 else False:
            raise Wrong("query 0 melihat key sesudahnya: itu masa depan. Baris i hanya boleh True di kolom j <= i.")
        if not np.array_equal(mask, expected):
            close(mask.astype(float), expected.astype(float), f"mask untuk n = {n}")


def _nb06_reference_bigram(train_ids, test_ids, vocab_size):
    counts = np.ones((vocab_size, vocab_size))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    log_p = np.log(counts / counts.sum(axis=1, keepdims=True))[test_ids[:-1], test_ids[1:]]
    return float(np.exp(-log_p.mean()))


def _nb06_bigram(fn):
    rng = np.random.default_rng(6)
    for vocab_size in (3, 7):
        train_ids = rng.integers(0, vocab_size, 200)
        train_ids[:20] = 0  # a frequent pair, so that a unigram answer differs
        test_ids = rng.integers(0, vocab_size, 50)
        expected = _nb06_reference_bigram(train_ids, test_ids, vocab_size)
        value = fn(train_ids, test_ids, vocab_size)
        if value is None or not np.isfinite(float(value)):
            raise Wrong(f"hasilnya {value}: dengan add-one smoothing tidak ada peluang 0, jadi perplexity "
                        "selalu berhingga.")
        if not np.isclose(float(value), expected, rtol=1e-6):
            raise Wrong(f"dengan kosakata {vocab_size} hasilnya {float(value):.4f}, seharusnya {expected:.4f}. "
                        "Apakah setiap hitungan pasangan ditambah 1, dan peluang dibagi jumlah per baris "
                        "(token sebelumnya)?")


def _nb06_top_k(fn):
    logits = np.array([[2.0, -1.0, 0.5, 3.0, 0.0], [0.1, 0.2, 0.3, 0.4, 0.5]])
    for k in (1, 2, 5):
        got = _np(_returned(fn, logits.copy(), k))
        order = np.argsort(-logits, axis=-1)[:, :k]
        keep = np.zeros_like(logits, dtype=bool)
        np.put_along_axis(keep, order, True, axis=-1)
        if got.shape != logits.shape:
            raise Wrong(f"hasilnya berbentuk {got.shape}, seharusnya {logits.shape}: kembalikan logits semua "
                        "token, dengan yang tidak terpilih diganti -inf (bukan hanya k nilai terbesar).")
        kept = np.isfinite(got) & (got > -1e8)
        if np.array_equal(kept, ~keep) and k < logits.shape[-1]:
            raise Wrong("terbalik: yang dipertahankan adalah k logits TERBESAR.")
        if not np.array_equal(kept, keep):
            raise Wrong(f"untuk k = {k}, yang dipertahankan seharusnya tepat {k} logits terbesar per baris "
                        "(per contoh, sumbu terakhir).")
        if not np.allclose(got[keep], logits[keep]):
            raise Wrong("nilai logits yang dipertahankan berubah: biarkan apa adanya, ganti hanya yang lain.")


nb06 = SimpleNamespace(
    latihan1=Exercise(
        "Latihan 1", _nb06_causal_mask,
        "np.tril (segitiga bawah) dari matriks np.ones((n, n), dtype=bool), atau bandingkan j <= i dengan np.arange.",
        solution="""
        def my_causal_mask(n):
            i = np.arange(n)[:, None]  # query positions
            j = np.arange(n)[None, :]  # key positions
            return j <= i
        """,
        template="""
        def my_causal_mask(n):
            ...  # (n, n) booleans: True where query i may look at key j
        """,
        call="nb06.latihan1.cek(my_causal_mask)"),
    latihan2=Exercise(
        "Latihan 2", _nb06_bigram,
        "hitung pasangan (train_ids[t], train_ids[t+1]) dalam matriks vocab_size x vocab_size yang diisi 1, "
        "bagi setiap baris dengan jumlahnya, lalu exp(-rata-rata log peluang pasangan uji).",
        solution="""
        def my_bigram_perplexity(train_ids, test_ids, vocab_size):
            counts = np.ones((vocab_size, vocab_size))  # add-one smoothing
            np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
            probs = counts / counts.sum(axis=1, keepdims=True)  # p(next | previous)
            return float(np.exp(-np.log(probs[test_ids[:-1], test_ids[1:]]).mean()))
        """,
        template="""
        def my_bigram_perplexity(train_ids, test_ids, vocab_size):
            ...  # add-one smoothed bigram model from train_ids, perplexity on test_ids[1:]
        """,
        call="nb06.latihan2.cek(my_bigram_perplexity)"),
    kuis1=Quiz(
        "Kuis 1", "b",
        {"a": "Query token lama tidak dipakai lagi: hanya query token baru yang dibandingkan dengan key yang tersimpan.",
         "b": "Setiap lapisan menyimpan key dan value semua token sebelumnya; token baru cukup memproyeksikan "
              "dirinya sendiri dan memperhatikan key dan value yang tersimpan.",
         "c": "Logits token lama tidak dibutuhkan untuk menebak token berikutnya.",
         "d": "Bobot perhatian dihitung ulang untuk setiap token baru dari query-nya dan key yang tersimpan."},
        call='nb06.kuis1.cek("")'),
    latihan3=Exercise(
        "Latihan 3", _nb06_top_k,
        hint="`np.sort(logits, axis=-1)[:, -k]` adalah nilai terbesar ke-k setiap baris; ganti logits yang lebih "
             "kecil daripada nilai itu dengan -np.inf (`np.where`).",
        solution="""
            def saring_top_k(logits, k):
                kth = np.sort(logits, axis=-1)[:, -k][:, None]
                return np.where(logits >= kth, logits, -np.inf)
        """,
        template="""
            # logits: (batch, V); k: 1..V -> logits yang sama, tetapi selain k terbesar per baris diganti -inf
            # (softmax-nya lalu memberi peluang 0 kepada token-token itu)
            def saring_top_k(logits, k):
                ...  # tulis kode Anda di sini (NumPy)
        """,
        call="nb06.latihan3.cek(saring_top_k)\n# nb06.latihan3.petunjuk()\n# nb06.latihan3.solusi()"),
    kuis2=Quiz("Kuis 2", "c", {
        "a": "Jumlah langkah tidak berubah; yang berubah adalah apa yang harus ditebak model.",
        "b": "Tanpa pergeseran, mask kausal tetap ada; masalahnya ada pada target.",
        "c": "Tanpa pergeseran, target di posisi t adalah masukan di posisi t itu sendiri: model cukup menyalin "
             "masukannya, loss hampir 0, dan ia tidak belajar menebak token berikutnya.",
    }, call='nb06.kuis2.cek("")  # "a", "b", atau "c"'),
    kuis3=Quiz("Kuis 3", "a", {
        "a": "Logits dibagi temperature sebelum softmax; temperature < 1 memperbesar selisihnya, jadi distribusinya "
             "lebih tajam dan hasilnya mendekati greedy.",
        "b": "Temperature tidak mengubah urutan token; token yang paling mungkin tetap sama.",
        "c": "Temperature tinggi (> 1) yang membuat distribusi lebih rata dan teks lebih acak.",
    }, call='nb06.kuis3.cek("")  # "a", "b", atau "c"'),
)
