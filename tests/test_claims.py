"""The claims table: conditions, messages, and the stored notebooks' numbers against their own prose."""
import json
from pathlib import Path

import pytest

from lesson_utils import claims

ROOT = Path(__file__).resolve().parents[1]
FAKE = {"nb": [claims.Claim("A beats B", lambda m: m["a"] > m["b"], lambda m: f"{m['a']} vs {m['b']}"),
               claims.Claim("only big runs", lambda m: m["a"] > 100, lambda m: str(m["a"]), claims.LARGE)]}


def test_check_prints_the_claims_and_is_strict_when_asked(monkeypatch, capsys):
    monkeypatch.setattr(claims, "CLAIMS", FAKE)
    claims.check("nb", {"a": 2, "b": 1}, profile="quick", strict=True)
    out = capsys.readouterr().out
    assert "| A beats B | 2 vs 1 | ya |" in out and "only big runs" not in out  # not checked in quick
    with pytest.raises(claims.ClaimError, match=r"(?s)nb, profile 'default'.*A beats B \(1 vs 2\).*only big runs"):
        claims.check("nb", {"a": 1, "b": 2}, profile="default", strict=True)
    claims.check("nb", {"a": 1, "b": 2}, profile="quick", strict=False)  # a student's run: a warning, no error
    assert "tidak didukung angkanya" in capsys.readouterr().out


def test_a_missing_metric_is_a_failed_claim(monkeypatch):
    monkeypatch.setattr(claims, "CLAIMS", FAKE)
    (claim, ok, numbers), = claims.evaluate("nb", {"a": 1}, profile="quick")
    assert not ok and "'b'" in numbers


def test_the_stored_notebooks_agree_with_their_claims():
    """The numbers that `make run` stored (bench/notebooks_default.json) support every default-profile claim."""
    record = ROOT / "bench" / "notebooks_default.json"
    stored = json.loads(record.read_text())["notebooks"]
    for notebook in claims.CLAIMS:
        assert notebook in stored, f"{notebook} has claims but no stored default run: run `make run`"
        false = [f"{c.text} ({numbers})" for c, ok, numbers in
                 claims.evaluate(notebook, stored[notebook]["metrics"], profile="default") if not ok]
        assert not false, f"{notebook}: stored outputs contradict the prose: {false}"
