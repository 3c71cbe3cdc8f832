"""`earshot serve|worker|demo|check|health`: parse arguments and start things, nothing more."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

import structlog

from bot.config import Settings, SettingsError, load_settings
from bot.logging import configure_logging

log = structlog.get_logger()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="earshot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="Slack-facing HTTP app, /healthz and /metrics on $PORT")
    worker = commands.add_parser("worker", help="poll X and deliver cards until SIGTERM")
    worker.add_argument(
        "--backfill",
        type=int,
        default=0,
        metavar="N",
        help="on first start, deliver the N most recent mentions (default 0)",
    )
    demo = commands.add_parser("demo", help="everything against the built-in sandbox")
    demo.add_argument("--seconds", type=float, default=0, help="stop after this long (0 = Ctrl-C)")
    commands.add_parser("check", help="validate settings and reach Redis, Slack and X")
    health = commands.add_parser(
        "health", help="exit 1 when Redis is unreachable or the worker's heartbeat is stale"
    )
    health.add_argument(
        "--any",
        action="store_true",
        help="any worker's heartbeat will do (default: a worker on this host, for probes)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from bot.demo import run_demo

        return run_demo(args.seconds)
    try:
        settings = load_settings()
    except SettingsError as error:
        for line in error.problems:
            print(f"earshot: {line}", file=sys.stderr)
        return 1
    configure_logging(settings.log_format, settings.secret_values())
    if args.command == "check":
        from bot.check import run_check

        return run_check(settings)
    if args.command == "health":
        from bot.health_check import run_health_check

        return run_health_check(settings, any_host=args.any)
    if args.command == "serve":
        return serve(settings)
    return run_worker(settings, args.backfill)


def serve(settings: Settings) -> int:
    from bot.serve import serve_forever
    from bot.services import build_services

    serve_forever(build_services(settings))
    return 0


def run_worker(settings: Settings, backfill: int) -> int:
    from bot.pipeline.worker import Worker
    from bot.services import build_services

    worker = Worker(build_services(settings), backfill=backfill)
    install_stop_signals(worker.stop)
    worker.run()
    return 0


def install_stop_signals(stop: threading.Event) -> None:
    def request_stop(signum: int, _frame: Any) -> None:
        log.info("stop_requested", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)


if __name__ == "__main__":
    raise SystemExit(main())
