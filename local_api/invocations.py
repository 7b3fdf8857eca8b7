"""What the local API tells an async-endpoint stand-in after the router routed a request."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RoutedInvocation:
    """One async request the router handed to an endpoint (from its 200 answer)."""

    fleet: str
    endpoint_name: str
    inference_id: str | None
    input_location: str
    output_location: str
    failure_location: str | None
    content_type: str | None
    headers: Mapping[str, str]  # the request's headers, lower-cased names


# Called synchronously, before the HTTP answer goes out: a listener may claim the output
# location (e.g. remove a placeholder) and then do the slow work on its own thread.
InvocationListener = Callable[[RoutedInvocation], None]


def routed_invocation(
    fleet: str, headers: Mapping[str, str], status: int, body: Any
) -> RoutedInvocation | None:
    """The invocation behind a router answer, or None (error, real-time, unknown shape)."""
    if status != 200 or not isinstance(body, dict):
        return None
    output = body.get("OutputLocation")
    endpoint = body.get("EndpointName")
    lowered = {name.lower(): value for name, value in headers.items()}
    source = lowered.get("inputlocation")
    if not (isinstance(output, str) and isinstance(endpoint, str) and source):
        return None
    failure = body.get("FailureLocation")
    inference_id = body.get("InferenceId")
    return RoutedInvocation(
        fleet=fleet,
        endpoint_name=endpoint,
        inference_id=inference_id if isinstance(inference_id, str) else None,
        input_location=source,
        output_location=output,
        failure_location=failure if isinstance(failure, str) else None,
        content_type=lowered.get("contenttype") or lowered.get("content-type"),
        headers=lowered,
    )
