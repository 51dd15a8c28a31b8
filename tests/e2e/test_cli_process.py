"""`vvic search` as a real process: JSON on stdout, one error line on stderr, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from vvic_desktop.sandbox.server import DEMO_CREDENTIALS

SAMPLE = str(Path(__file__).resolve().parents[2] / "resources" / "samples" / "dress-photo.jpg")
RUN_CLI = "import sys; from vvic_desktop.cli import main; sys.exit(main(sys.argv[1:]))"


def vvic(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", RUN_CLI, *argv], capture_output=True,
                          text=True, timeout=60, env=env)


def test_search_process_success_and_failure(sandbox, data_dir) -> None:
    app_key, secret = DEMO_CREDENTIALS["vvic"]
    env = {**os.environ, "VVIC_DESKTOP_DATA_DIR": str(data_dir), "VVIC_LANG": "en",
           "VVIC_APP_KEY": app_key, "VVIC_APP_SECRET": secret}
    ok = vvic("search", SAMPLE, "--market", "vvic", "--endpoint", sandbox.url, "--json", env=env)
    assert ok.returncode == 0, ok.stderr
    answer = json.loads(ok.stdout)
    assert answer["offers"] and answer["stats"]["api_calls"] == 1
    assert ok.stderr == ""

    bad = vvic("search", SAMPLE, "--market", "vvic", "--endpoint", sandbox.url,
               "--max-results", "7", env={**env, "VVIC_APP_SECRET": "wrong-secret-123"})
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1
    assert "signature" in bad.stderr.lower() and "wrong-secret-123" not in bad.stderr
