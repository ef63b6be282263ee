"""The foreground server: moto's WSGI app behind our middleware, on a loopback address only."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("opsdeck_emulator")


class NotLoopback(ValueError):
    pass


def require_loopback(host: str) -> None:
    """Accept 127.0.0.0/8, ::1 and 'localhost'; refuse anything else, including 0.0.0.0."""
    if host == "localhost":
        return
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise NotLoopback(
            f"refusing host {host!r}: give a loopback IP address (127.0.0.1, ::1) or 'localhost'"
        ) from None
    if not address.is_loopback:
        raise NotLoopback(f"refusing host {host!r}: the emulator only listens on loopback addresses")


def _configure_moto() -> None:
    """Settings that must hold before moto serves anything."""
    from moto.core.config import default_user_config

    # No Docker: Lambda uses moto's docker-less backend (create/get/list work, Invoke answers a
    # canned result); Batch does not try to run containers.
    default_user_config["lambda"]["use_docker"] = False
    default_user_config["batch"]["use_docker"] = False


def build_app() -> Any:
    _configure_moto()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from .middleware import OpsdeckMiddleware

    return OpsdeckMiddleware(DomainDispatcherApplication(create_backend_app))


def endpoint_url(host: str, port: int) -> str:
    return f"http://[{host.strip('[]')}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(host: str, port: int, ready_file: Path | None = None) -> None:
    """Serve until SIGTERM/SIGINT. Port 0 picks a free port; `ready_file` then receives the URL."""
    require_loopback(host)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)

    import werkzeug.serving
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    werkzeug.serving._log_add_style = False  # plain request lines in server.log, no ANSI colours

    app = build_app()
    server = make_server(host.strip("[]"), port, app, threaded=True, request_handler=MotoRequestHandler)
    url = endpoint_url(host, server.server_port)
    os.environ["MOTO_PORT"] = str(server.server_port)  # moto builds some URLs (SQS queues ...) from it

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %d: shutting down", signum)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if ready_file is not None:
        tmp = ready_file.with_suffix(".tmp")
        tmp.write_text(url)
        tmp.replace(ready_file)
    log.info("serving moto + opsdeck layer on %s (pid %d)", url, os.getpid())
    try:
        server.serve_forever()
    finally:
        server.server_close()
