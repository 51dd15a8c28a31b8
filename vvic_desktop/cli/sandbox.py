"""`vvic sandbox [--port 0] [--quota N] [--latency A-B] [--fail-rate R] [--seed S]`.

Serves the built-in demo marketplace on 127.0.0.1 until Ctrl+C or SIGTERM (exit 0). Prints
`listening on http://127.0.0.1:PORT` first (flushed, so a parent process can read the port),
then each market's demo AppKey and secret as the environment variables `vvic search` reads,
and a ready-to-paste `vvic search … --endpoint URL` command. The demo secrets are public (they
are in the source) and valid on this sandbox only.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from vvic_desktop.cli.args import add_command, whole_number
from vvic_desktop.cli.text import lang_text


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "sandbox", run, help="run the built-in demo marketplace / 启动演示市场",
        description="Serve a demo marketplace (VVIC, TOP, OneBound protocols) on 127.0.0.1.",
    )
    parser.add_argument("--port", type=_port, default=0, help="TCP port (0: any free port)")
    parser.add_argument("--quota", type=whole_number, default=20,
                        help="accepted calls per app key per 60 s (default 20)")
    parser.add_argument("--latency", type=_latency, default=(1.0, 3.0), metavar="A-B",
                        help="answer delay range in seconds (default 1-3; 0 for none)")
    parser.add_argument("--fail-rate", type=_rate, default=0.0, metavar="R",
                        help="share of calls answered with a random 5xx (0..1)")
    parser.add_argument("--seed", type=int, default=7, help="catalog seed (default 7)")


def _port(text: str) -> int:
    value = whole_number(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535, not {text}")
    return value


def _latency(text: str) -> tuple[float, float]:
    low_text, _, high_text = text.partition("-")
    try:
        low = float(low_text)
        high = float(high_text) if high_text else low
    except ValueError:
        raise argparse.ArgumentTypeError(f"latency must be A-B in seconds, not {text!r}") from None
    if low < 0 or high < low or high > 600:
        raise argparse.ArgumentTypeError(f"latency must satisfy 0 <= A <= B <= 600: {text!r}")
    return low, high


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"fail rate must be within 0..1, not {text}")
    return value


def run(args: argparse.Namespace) -> int:
    # loaded here, not at import: `vvic --help` stays fast (tests/bench/bench_startup.py)
    from vvic_desktop.sandbox.server import SandboxServer

    stop = threading.Event()
    server = SandboxServer(port=args.port, quota=args.quota, latency=args.latency,
                           fail_rate=args.fail_rate, seed=args.seed)
    try:
        server.start()
    except OSError as exc:
        sys.stderr.write(f"error: cannot listen on 127.0.0.1:{args.port} ({exc.strerror})\n")
        return 2
    previous = _install_handlers(stop)
    try:
        sys.stdout.write(f"listening on {server.url}\n")
        sys.stdout.write(recipe(server.url))
        sys.stdout.flush()
        # Wake now and then: on some platforms a bare wait() delays Ctrl+C until it returns.
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        _restore_handlers(previous)
    return 0


def demo_environment(market: str) -> dict[str, str]:
    """The environment variables `vvic search --market MARKET` reads, set to the demo's key."""
    from vvic_desktop.sandbox.server import DEMO_CREDENTIALS
    from vvic_desktop.storage.secrets import env_var_names

    app_key, secret = DEMO_CREDENTIALS[market]
    key_var, secret_var = env_var_names(market)
    return {key_var: app_key, secret_var: secret}


def _assignments(env: dict[str, str]) -> str:
    if sys.platform == "win32":  # PowerShell
        return "".join(f'$env:{name}="{value}"; ' for name, value in env.items())
    return "".join(f"{name}={shlex.quote(value)} " for name, value in env.items())


def sample_photo() -> str:
    """The bundled sample photo when this is a checkout or an install that carries it."""
    for root in (Path(__file__).resolve().parents[1], Path(__file__).resolve().parents[2]):
        sample = root / "resources" / "samples" / "dress-photo.jpg"
        if sample.is_file():
            return str(sample)
    return "PHOTO.jpg"


def recipe(url: str) -> str:
    """What to paste to search this sandbox: every market's demo AppKey and secret, and a
    `vvic search` command that works as printed."""
    from vvic_desktop.core.market_info import MARKETS
    from vvic_desktop.sandbox.server import DEMO_CREDENTIALS

    lines = [lang_text("demo AppKeys and secrets (valid on this sandbox only):",
                       "演示 AppKey 和密钥（仅对这个演示市场有效）：")]
    for market in MARKETS:
        if market in DEMO_CREDENTIALS:
            lines.append(f"  {market:<16} {_assignments(demo_environment(market)).strip()}")
    photo = sample_photo()
    command = (f"{_assignments(demo_environment('vvic'))}vvic search {_quote(photo)} "
               f"--market vvic --endpoint {url}")
    lines += [
        lang_text("search it from another terminal (keys saved with `vvic config "
                  "set-credentials` take precedence over these variables):",
                  "在另一个终端里搜索它（用 `vvic config set-credentials` 保存的密钥优先于这些"
                  "环境变量）："),
        f"  {command}",
    ]
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return f'"{text}"' if sys.platform == "win32" and " " in text else (
        text if sys.platform == "win32" else shlex.quote(text))


def _install_handlers(stop: threading.Event) -> dict[int, object]:
    if threading.current_thread() is not threading.main_thread():
        return {}  # signal handlers can only be set from the main thread

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[int, object] = {}
    for name in ("SIGTERM", "SIGINT", "SIGBREAK"):
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, handler)
    return previous


def _restore_handlers(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]
