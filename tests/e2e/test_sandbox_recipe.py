"""`vvic sandbox` prints everything needed to search it, and the printed command works."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from vvic_desktop.cli import sandbox as cli_sandbox
from vvic_desktop.sandbox.server import DEMO_CREDENTIALS
from vvic_desktop.storage.secrets import env_var_names

ROOT = Path(__file__).resolve().parents[2]
RUN_CLI = "import sys; from vvic_desktop.cli import main; sys.exit(main(sys.argv[1:]))"


def child_env(data_dir: Path) -> dict[str, str]:
    """The test's data dir, no keyring of the user's (a null backend), no ambient keys."""
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_APP_KEY", "_APP_SECRET"))}
    env.update(VVIC_DESKTOP_DATA_DIR=str(data_dir), VVIC_LANG="en",
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return env


def test_the_recipe_lists_every_market_key_and_secret_as_the_cli_reads_them():
    text = cli_sandbox.recipe("http://127.0.0.1:9999")
    for market in ("vvic", "taobao", "onebound-vvic", "onebound-taobao", "1688"):
        app_key, secret = DEMO_CREDENTIALS[market]
        key_var, secret_var = env_var_names(market)
        line = next(line for line in text.splitlines() if line.split()[:1] == [market])
        assert f"{key_var}={app_key}" in line and f"{secret_var}={secret}" in line
    assert text.splitlines()[-1].strip().endswith("--endpoint http://127.0.0.1:9999")


def test_the_recipe_is_in_chinese_when_the_messages_are(monkeypatch):
    from vvic_desktop.core import errors

    errors.set_language("zh_CN")
    assert "演示" in cli_sandbox.recipe("http://127.0.0.1:9999")


@pytest.mark.skipif(sys.platform == "win32", reason="the recipe is POSIX shell there")
def test_the_printed_command_searches_the_running_sandbox(data_dir):
    env = child_env(data_dir)
    server = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "sandbox", "--latency", "0", "--quota", "100"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline()]
        while not lines[-1].lstrip().startswith("VVIC_APP_KEY=") or "vvic search" not in lines[-1]:
            assert lines[-1], f"sandbox ended before printing its recipe: {lines}"
            lines.append(server.stdout.readline())
        assert lines[0].startswith("listening on http://127.0.0.1:")
        words = shlex.split(lines[-1])
        assignments = {}
        while "=" in words[0] and words[0].split("=")[0].isupper():
            name, _, value = words.pop(0).partition("=")
            assignments[name] = value
        assert words[:2] == ["vvic", "search"]
        assert Path(words[2]).is_file(), "the recipe's photo is the bundled sample"
        search = subprocess.run(
            [sys.executable, "-c", RUN_CLI, *words[1:], "--json"], cwd=data_dir,
            env={**env, **assignments}, capture_output=True, text=True, timeout=120)
        assert search.returncode == 0, search.stderr
        answer = json.loads(search.stdout)
        assert answer["offers"] and answer["stats"]["api_calls"] == 1
    finally:
        server.terminate()
        server.wait(timeout=10)
