"""API Gateway invoke URLs: where to send a request and which region signs it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from .errors import UsageError

_EXECUTE_API_HOST = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.")
_ROUTER_SUFFIX = re.compile(r"/endpoints/(?P<fleet>[^/]+)/?$")
_SCALING_SUFFIX = re.compile(r"/scalableTargetDimensions/(?P<dimension>[^/]+)/?$")


@dataclass(frozen=True)
class ApiUrl:
    """A stage URL such as ``https://abc123.execute-api.eu-west-1.amazonaws.com/v1``."""

    base: str
    region: str | None
    api_id: str | None
    stage: str | None

    def route(self, *segments: str) -> str:
        return self.base + "".join("/" + quote(segment, safe="") for segment in segments)

    def router_url(self, fleet: str) -> str:
        return self.route("endpoints", fleet)

    def dimension_url(self, dimension: str) -> str:
        return self.route("scalableTargetDimensions", dimension)


def parse_api_url(url: str) -> tuple[ApiUrl, str | None]:
    """The stage URL, plus the fleet or dimension name when the URL already names one."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"not an http(s) URL: {url!r} (expected the API's invoke URL)")
    if parts.query or parts.fragment:
        raise UsageError("the API URL must not have a query string or fragment")
    path = parts.path.rstrip("/")
    named: str | None = None
    for pattern in (_ROUTER_SUFFIX, _SCALING_SUFFIX):
        found = pattern.search(path)
        if found:
            named = found.group(1)
            path = path[: found.start()]
            break
    host = parts.hostname or ""
    match = _EXECUTE_API_HOST.match(host)
    stage = path.strip("/").split("/")[0] if path.strip("/") else None
    return (
        ApiUrl(
            base=f"{parts.scheme}://{parts.netloc}{path}",
            region=match.group("region") if match else None,
            api_id=match.group("api") if match else None,
            stage=stage,
        ),
        named,
    )
