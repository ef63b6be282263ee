"""CLI: python -m opsdeck_emulator {start,stop,status,reset,serve} (see README.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import DEFAULT_STATE_DIR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emulator", description="moto server with opsdeck's compatibility layer")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_state_dir(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR,
                         help=f"where pid, endpoint and server.log live (default {DEFAULT_STATE_DIR})")  # fmt: skip
        return sub

    start = with_state_dir("start", "start a detached server (or reuse the live one); print its endpoint")
    start.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")
    with_state_dir("stop", "stop the server (SIGTERM, then SIGKILL)")
    with_state_dir("status", "print the endpoint and exit 0 if a server is live, else exit 1")
    with_state_dir("reset", "reset moto's state, faults and request log")

    serve = commands.add_parser("serve", help="run the server in the foreground")
    serve.add_argument("--port", type=int, required=True, help="port to listen on (0: a free one)")
    serve.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    serve.add_argument("--ready-file", type=Path, default=None, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)

    if args.command == "serve":
        from .server import NotLoopback, serve

        try:
            serve(args.host, args.port, args.ready_file)
        except NotLoopback as error:
            print(f"emulator: {error}", file=sys.stderr)
            return 2
        return 0

    from .launcher import EmulatorError, State, live_endpoint, reset, start, stop

    state = State(args.state_dir.expanduser().resolve())
    try:
        if args.command == "start":
            print(start(state, args.port), flush=True)
        elif args.command == "stop":
            if not stop(state):
                print(f"emulator: nothing running in {state.dir}", file=sys.stderr)
        elif args.command == "status":
            endpoint = live_endpoint(state)
            if endpoint is None:
                print(f"emulator: not running (state dir {state.dir})", file=sys.stderr)
                return 1
            print(endpoint)
        elif args.command == "reset":
            reset(state)
    except EmulatorError as error:
        print(f"emulator: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
