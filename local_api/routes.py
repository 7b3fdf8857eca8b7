"""API Gateway resources: path templates with ``{param}`` segments under a stage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

Handler = Callable[[dict[str, Any], Any], Any]

ROUTER_RESOURCE = "/endpoints/{fleet}"
SCALING_RESOURCE = "/scalableTargetDimensions/{scalableTargetDimensionId}"


@dataclass(frozen=True)
class Route:
    name: str
    resource: str
    handler: Handler

    @property
    def segments(self) -> list[str]:
        return self.resource.strip("/").split("/")


@dataclass(frozen=True)
class Match:
    route: Route
    stage: str
    path: str  # the path after the stage, as the event's ``path``
    parameters: dict[str, str]


def match(routes: Sequence[Route], raw_path: str, stage: str) -> Match | None:
    """Match ``/{stage}/{resource}``; any other stage, or none, matches nothing.

    API Gateway serves a deployment only under its stage name and answers every other
    path with 403 ``Missing Authentication Token`` (the caller does that on ``None``).
    """
    segments = [unquote(part) for part in raw_path.strip("/").split("/")] if raw_path else []
    if not segments or segments[0] != stage:
        return None
    rest = segments[1:]
    for route in routes:
        parameters = _bind(route.segments, rest)
        if parameters is not None:
            return Match(route=route, stage=stage, path="/" + "/".join(rest), parameters=parameters)
    return None


def _bind(template: Sequence[str], segments: Sequence[str]) -> dict[str, str] | None:
    if len(template) != len(segments):
        return None
    parameters: dict[str, str] = {}
    for pattern, value in zip(template, segments, strict=True):
        if pattern.startswith("{") and pattern.endswith("}"):
            if not value:
                return None
            parameters[pattern[1:-1]] = value
        elif pattern != value:
            return None
    return parameters
