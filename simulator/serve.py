"""``--serve``: expose the simulated fleet over HTTP while the simulation runs.

The local API Gateway from ``local_api/`` (SigV4 checked against moto's test
credentials) fronts the same router and scaling API handlers the simulation
drives, so requests sent by hand with ``fleet_client``, ``awscurl`` or curl are
routed, queued and served by the simulated fleet, and a PATCH by hand scales it.

While it serves, the first Ctrl-C/SIGTERM ends the run (no report; the API stops within
a few seconds, status 0) and a second one exits at once.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from fleet_autoscaler.handlers import router, scaling_api
from local_api import LocalApi, RoutedInvocation
from local_api.signals import SignalStop

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def guarded(handler: Handler, lock: threading.Lock) -> Handler:
    def call(event: dict[str, Any], context: Any) -> dict[str, Any]:
        with lock:
            return handler(event, context)

    return call


def watched(handler: Handler, on_patch: Callable[[int], None]) -> Handler:
    """The scaling API, telling ``on_patch`` the desiredCapacity of each accepted PATCH."""

    def call(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = handler(event, context)
        if event.get("httpMethod") == "PATCH" and response.get("statusCode") == 200:
            on_patch(int(json.loads(response["body"])["desiredCapacity"]))
        return response

    return call


def start_api(
    port: int,
    lock: threading.Lock,
    arrive: Callable[[str], None],
    fleet: str,
    on_serve: Callable[[str], None] | None = None,
    on_patch: Callable[[int], None] | None = None,
) -> LocalApi:
    def routed(invocation: RoutedInvocation) -> None:
        arrive(invocation.endpoint_name)

    scaling = scaling_api.handler if on_patch is None else watched(scaling_api.handler, on_patch)
    api = LocalApi(
        guarded(router.handler, lock),
        guarded(scaling, lock),
        port=port,
        on_invocation=routed,
    )
    url = api.start()
    stopper = SignalStop(_end_the_run, "simulator")
    if stopper.install():  # only on the main thread (the CLI), never under a test's thread

        def release() -> None:
            if stopper.received is None:  # a run that ended by itself gives the signals back
                stopper.restore()

        api.when_stopped(release)
    if on_serve is not None:
        on_serve(url)
    sys.stderr.write(
        f"\nThe simulated fleet is served at {url}\n"
        "  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1\n"
        f"  .venv/bin/python -m fleet_client status --url {url} --fleet {fleet}\n"
        f"  .venv/bin/python -m fleet_client invoke --url {url} --fleet {fleet} "
        "--input-location s3://by-hand/request.csv\n"
        f"  .venv/bin/awscurl --service execute-api --region us-east-1 -X POST "
        f"-H 'InputLocation: s3://by-hand/request.csv' {url}/endpoints/{fleet}\n\n"
    )
    return api


def _end_the_run(signum: int) -> None:
    os.write(2, b"simulator: run cut short, no report written\n")
    atexit.register(_exit_without_teardown)
    raise SystemExit(0)  # unwinds the run; its finally stops the API (bounded)


def _exit_without_teardown() -> None:
    # Registered last, so it runs first at exit, once the run has unwound. The interpreter's
    # teardown of moto's module graph alone takes 3-4 s on a busy 2-core machine.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
