"""`vvic config set-credentials MARKET | set-quota MARKET N | set NAME VALUE | show`.

The secret is read from a hidden prompt, or from stdin when stdin is not a terminal
(`printf %s "$SECRET" | vvic config set-credentials vvic --app-key KEY`), never from argv:
command lines are visible to every user of the machine (`ps`) and end up in shell history.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from vvic_desktop.cli.common import open_services
from vvic_desktop.core import errors
from vvic_desktop.storage.settings import API_MARKETS, OPTIONS, Kind, Settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "config", help="credentials, quotas and settings / 设置",
        description="Store marketplace credentials in the OS keyring and change settings.",
    )
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION")
    actions.required = True

    creds = actions.add_parser(
        "set-credentials", help="store a market's AppKey and secret in the OS keyring",
        description="The secret is asked for (hidden) or read from stdin; never give it as "
                    "an argument.",
    )
    creds.add_argument("market", choices=API_MARKETS)
    creds.add_argument("--app-key", metavar="KEY", help="the AppKey (asked for if omitted)")
    creds.set_defaults(handler=set_credentials)

    quota = actions.add_parser("set-quota", help="calls per minute your AppKey may make")
    quota.add_argument("market", choices=API_MARKETS)
    quota.add_argument("calls_per_minute", metavar="N")
    quota.set_defaults(handler=set_quota)

    setting = actions.add_parser("set", help="change one setting (see `vvic config show`)")
    setting.add_argument("name", choices=sorted(OPTIONS), metavar="NAME")
    setting.add_argument("value")
    setting.set_defaults(handler=set_value)

    show = actions.add_parser("show", help="print settings and which credentials are set")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_settings)


def _settings(args: argparse.Namespace) -> Settings:
    return open_services(args).settings


def set_credentials(args: argparse.Namespace) -> int:
    import keyring  # loaded here, not at import: `vvic --help` stays fast

    from vvic_desktop.storage import secrets

    market = args.market
    # Say so before the user types a secret that could not be kept.
    reason = secrets.insecure_backend_reason()
    if reason:
        raise errors.NoSecureKeyring(reason)
    app_key = args.app_key
    interactive = sys.stdin.isatty()
    if not app_key:
        if not interactive:
            raise errors.ConfigError("give --app-key KEY when the secret comes from stdin")
        app_key = input(f"{market} AppKey: ").strip()
    if interactive:
        secret = getpass.getpass(f"{market} secret (hidden): ")
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    secrets.store(market, app_key, secret)
    backend = type(keyring.get_keyring()).__name__
    sys.stdout.write(f"saved the {market} AppKey {app_key} and its secret in the keyring "
                     f"({backend})\n")
    return 0


def set_quota(args: argparse.Namespace) -> int:
    settings = _settings(args)
    name = f"market.{args.market}.quota_per_minute"
    settings.set(name, args.calls_per_minute)
    settings.save()
    sys.stdout.write(f"{args.market}: at most {settings.get(name)} calls per minute\n")
    return 0


def set_value(args: argparse.Namespace) -> int:
    settings = _settings(args)
    settings.set(args.name, args.value)
    settings.save()
    sys.stdout.write(f"{args.name} = {settings.get(args.name)!r}\n")
    return 0


def credential_status(market: str) -> dict[str, Any]:
    """Where `market`'s credentials come from; the AppKey at most, never the secret."""
    from vvic_desktop.storage import secrets

    stored = secrets.from_keyring(market)
    if stored is not None:
        return {"source": "keyring", "app_key": stored.app_key}
    from_env = secrets.from_environment(market)
    if from_env is not None:
        return {"source": "environment", "app_key": from_env.app_key}
    return {"source": None, "app_key": None, "how_to_set": secrets.how_to_set(market)}


def show_settings(args: argparse.Namespace) -> int:
    from vvic_desktop.storage import secrets

    settings = _settings(args)
    values = dict(settings.items(Kind.USER))
    creds = {market: credential_status(market) for market in API_MARKETS}
    keyring_problem = secrets.insecure_backend_reason()
    if args.json:
        json.dump({"settings": values, "credentials": creds, "keyring_problem": keyring_problem,
                   "settings_file": str(settings.path)},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    out = sys.stdout
    out.write(f"settings file: {settings.path}\n")
    width = max(len(name) for name in values)
    production = _production_urls()
    for name, value in values.items():
        shown = json.dumps(value, ensure_ascii=False)
        default = " (default)" if value == OPTIONS[name].default else ""
        if name.endswith(".base_url") and not value and name in production:
            default = f" (default: production, {production[name]})"
        out.write(f"  {name:<{width}}  {shown}{default}\n")
    out.write("credentials:\n")
    for market, status in creds.items():
        if status["source"]:
            out.write(f"  {market:<16} AppKey {status['app_key']} ({status['source']})\n")
        else:
            out.write(f"  {market:<16} not set: {status['how_to_set']}\n")
    if keyring_problem:
        out.write(f"keyring: {errors.NoSecureKeyring(keyring_problem).message()}\n")
    return 0


def _production_urls() -> dict[str, str]:
    """Setting name -> the production URL an empty base_url stands for."""
    from vvic_desktop.markets.registry import MARKETS

    return {f"market.{name}.base_url": info.production_url for name, info in MARKETS.items()}
