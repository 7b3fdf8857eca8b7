"""``--serve``: expose the simulated fleet over HTTP while the simulation runs.

The local API Gateway from ``local_api/`` (SigV4 checked against moto's test
credentials) fronts the same router and scaling API handlers the simulation
drives, so requests sent by hand with ``fleet_client``, ``awscurl`` or curl are
routed, queued and served by the simulated fleet, and a PATCH by hand scales it.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from typing import Any

from fleet_autoscaler.handlers import router, scaling_api
from local_api import LocalApi, RoutedInvocation

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
