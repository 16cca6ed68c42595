"""Sizes of every notebook, per profile: the one table that scales runtime.

``LESSON_PROFILE`` picks the profile: ``quick`` (tests and CI: all notebooks in a
few minutes on 2 CPU cores), ``default`` (a student's laptop CPU: each notebook
in at most 10 minutes) or ``full`` (the whole AG News data set and the seed
lesson's epochs; a GPU is recommended).

``None`` as a number of examples means "all of them".
"""
import os
from types import SimpleNamespace

PROFILE_ENV = "LESSON_PROFILE"
DEFAULT_PROFILE = "default"

PROFILES = {
    "quick": {
        "ag_news": {"train": 800, "test": 400},
    },
    "default": {
        "ag_news": {"train": None, "test": None},
    },
    "full": {
        "ag_news": {"train": None, "test": None},
    },
}


def profile_name(name=None):
    """The active profile's name: ``name``, else ``$LESSON_PROFILE``, else ``default``."""
    name = name or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ValueError(
            f"Unknown profile {name!r}. Choose one of {', '.join(PROFILES)} "
            f"(argument or environment variable {PROFILE_ENV}, e.g. `export {PROFILE_ENV}=quick`)."
        )
    return name


def profile(name=None):
    """The sizes of the active profile, with attribute access: ``profile().ag_news.train``."""
    name = profile_name(name)
    sections = {key: SimpleNamespace(**values) for key, values in PROFILES[name].items()}
    return SimpleNamespace(name=name, **sections)
