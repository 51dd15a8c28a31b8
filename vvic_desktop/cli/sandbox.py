"""`vvic sandbox [--port 0] [--quota N] [--latency A-B] [--fail-rate R] [--seed S]`.

Serves the built-in demo marketplace on 127.0.0.1 until Ctrl+C or SIGTERM (exit 0). Prints
`listening on http://127.0.0.1:PORT` first (flushed, so a parent process can read the port)
and the demo credentials' app keys, never their secrets.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from vvic_desktop.cli.args import whole_number
from vvic_desktop.sandbox.server import DEMO_CREDENTIALS, SandboxServer


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sandbox",
        help="run the built-in demo marketplace / 启动演示市场",
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
    parser.set_defaults(handler=run)


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
        for name, (app_key, _secret) in DEMO_CREDENTIALS.items():
            if not name.startswith("onebound-"):  # aliases of "onebound"
                sys.stdout.write(f"demo app key {name}: {app_key}\n")
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
