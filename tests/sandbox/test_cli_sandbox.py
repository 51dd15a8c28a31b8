"""`vvic sandbox` in a real subprocess: prints its address, serves, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from vvic_desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = "import sys; from vvic_desktop.cli import main; sys.exit(main())"


def _start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "sandbox", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")
def test_sandbox_command_serves_and_stops_on_sigterm() -> None:
    process = _start("--port", "0", "--latency", "0", "--quota", "5", "--seed", "7")
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until the flushed line arrives
        assert first.startswith("listening on http://127.0.0.1:")
        url = first.split()[-1]
        assert requests.get(url + "/api/nothing", timeout=10).status_code == 404
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        _, stderr = process.communicate(timeout=60)
        assert stderr == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


@pytest.mark.parametrize("args", [["--latency", "3-1"], ["--fail-rate", "2"],
                                  ["--quota", "-1"], ["--port", "70000"]])
def test_sandbox_command_rejects_bad_options(args: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sandbox", *args])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("error:")


def test_sandbox_command_reports_a_busy_port(sandbox, capsys) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert main(["sandbox", "--port", port, "--latency", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot listen on 127.0.0.1:" + port)
    assert "Traceback" not in err
