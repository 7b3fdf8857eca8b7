"""SigV4 for ``execute-api`` with the standard AWS credential chain (botocore)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials
from botocore.exceptions import BotoCoreError

from .errors import CredentialsError, UsageError

SERVICE = "execute-api"


@dataclass(frozen=True)
class Identity:
    credentials: ReadOnlyCredentials
    region: str


def resolve_identity(region: str | None, profile: str | None = None) -> Identity:
    """Credentials from the chain (env, profile, SSO, container, instance) and a region."""
    try:
        session = botocore.session.Session(profile=profile)
        credentials = session.get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
        chosen_region = (
            region
            or os.environ.get("AWS_REGION")
            or session.get_config_variable("region")  # AWS_DEFAULT_REGION, then the profile
        )
    except BotoCoreError as exc:
        raise CredentialsError(f"could not load AWS credentials: {exc}") from None
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        raise CredentialsError(
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "or AWS_PROFILE, or run `aws sso login` / `aws configure`"
        )
    if not chosen_region:
        raise UsageError(
            "no AWS region: pass --region or set AWS_REGION (the URL does not name one)"
        )
    return Identity(credentials=frozen, region=chosen_region)


def sign(
    identity: Identity,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
) -> dict[str, str]:
    """The headers to send: the given ones plus X-Amz-Date, token and Authorization."""
    request = AWSRequest(method=method, url=url, data=body or b"", headers=dict(headers))
    SigV4Auth(identity.credentials, SERVICE, identity.region).add_auth(request)
    return {name: str(value) for name, value in request.headers.items()}
