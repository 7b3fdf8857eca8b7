"""Turning an API Gateway answer that is not a success into a clear, typed error."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import (
    AccessDenied,
    CredentialsError,
    FleetClientError,
    InferenceFailed,
    NotFound,
    RequestRejected,
    Unavailable,
)
from .transport import HttpResponse
from .urls import ApiUrl

_DENIED = re.compile(r"not authorized to perform: (?P<action>\S+) on resource: (?P<resource>\S+)")


@dataclass(frozen=True)
class Target:
    """What a request was for, to name it in error messages."""

    kind: str  # "fleet" or "scalable target dimension"
    name: str
    method: str
    api: ApiUrl
    path: str  # the resource path after the stage, e.g. /endpoints/demo

    def resource_arn(self) -> str:
        region = self.api.region or "<region>"
        api_id = self.api.api_id or "<api-id>"
        stage = self.api.stage or "<stage>"
        return (
            f"arn:aws:execute-api:{region}:<account-id>:{api_id}/{stage}/{self.method}{self.path}"
        )


def error_for(response: HttpResponse, target: Target) -> FleetClientError:
    message = response.message()
    status = response.status
    if status == 403:
        return _forbidden(message, target)
    if status == 404:
        return NotFound(f"no {target.kind} named {target.name!r} at {target.api.base}: {message}")
    if status in (400, 405, 413, 415):
        return RequestRejected(f"the API rejected the request ({status}): {message}")
    if status == 424:
        return InferenceFailed(f"the model returned an error (424): {message}")
    if status in (429, 503):
        return Unavailable(f"the {target.kind} is unavailable ({status}): {message}")
    return FleetClientError(f"the API answered {status}: {message}")


def _forbidden(message: str, target: Target) -> FleetClientError:
    lowered = message.lower()
    if "missing authentication token" in lowered:
        return AccessDenied(
            "403 Missing Authentication Token: API Gateway found no signed route at "
            f"{target.method} {target.api.base}{target.path}. Check the URL (it must include "
            "the stage, e.g. https://<api-id>.execute-api.<region>.amazonaws.com/<stage>) "
            "and the method."
        )
    if "security token included in the request is invalid" in lowered or (
        "expired" in lowered and "token" in lowered
    ):
        return CredentialsError(f"403: the credentials were rejected ({message})")
    if "signature" in lowered:
        return CredentialsError(
            f"403: the signature was rejected ({message}). Check the secret key, the region "
            "(--region) and the machine's clock."
        )
    denied = _DENIED.search(message)
    action = denied.group("action") if denied else "execute-api:Invoke"
    resource = denied.group("resource") if denied else target.resource_arn()
    return AccessDenied(
        f"403 access denied: your identity lacks permission {action} on {resource}. "
        f'Grant it with {{"Effect": "Allow", "Action": "{action}", "Resource": "{resource}"}} '
        f"in an IAM policy of the caller. API Gateway said: {message}"
    )
