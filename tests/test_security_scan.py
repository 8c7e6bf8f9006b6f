"""Static analysis: bandit finds no high-severity issue in the portal's code."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bandit_reports_no_high_severity_issue():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "pronoia", "-lll", "-q", "-f", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    report = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"]
    high = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert high == []
    assert result.returncode == 0
    # The scan really ran over the code (an empty run would also report nothing).
    assert report["metrics"]["_totals"]["loc"] > 1000


def test_bandit_finds_a_planted_high_severity_issue(tmp_path):
    # The check above can fail: the same command flags code that is plainly unsafe.
    (tmp_path / "unsafe.py").write_text("import subprocess\nsubprocess.call(input(), shell=True)\n")
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", str(tmp_path), "-lll", "-q", "-f", "json"],
        capture_output=True, text=True, timeout=60,
    )
    assert [r["test_id"] for r in json.loads(result.stdout)["results"]] == ["B602"]
