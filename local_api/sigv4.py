"""SigV4 checks as API Gateway (AWS_IAM) does them, against a table of known keys.

API Gateway answers 403 with a JSON ``message`` when the Authorization header is
missing, malformed, scoped to the wrong service or region, signed by an unknown key,
expired, or does not match; these are the same messages.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "execute-api"
MAX_SKEW = timedelta(minutes=15)
MISSING_TOKEN = "Missing Authentication Token"
_FIELD = re.compile(r"(Credential|SignedHeaders|Signature)=([^,\s]+)")


@dataclass(frozen=True)
class SignedRequest:
    method: str
    raw_path: str  # as sent, percent-encoded, without the query string
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Caller:
    access_key: str
    region: str


class AuthError(Exception):
    """403 with API Gateway's message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _header_values(request: SignedRequest, name: str) -> list[str]:
    return [value for key, value in request.headers if key.lower() == name]


def authenticate(
    request: SignedRequest,
    region: str,
    secrets: Mapping[str, str] | None,
    now: datetime | None = None,
) -> Caller:
    """The caller, or AuthError. ``secrets`` None checks the header's form, not the signature."""
    authorization = _header_values(request, "authorization")
    if not authorization:
        raise AuthError(MISSING_TOKEN)
    header = authorization[-1].strip()
    if not header.startswith(ALGORITHM + " "):
        raise AuthError(f"Authorization header requires the {ALGORITHM} algorithm")
    fields = dict(_FIELD.findall(header))
    for name in ("Credential", "SignedHeaders", "Signature"):
        if name not in fields:
            raise AuthError(
                f"Authorization header requires '{name}' parameter. Authorization={header[:40]}..."
            )
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise AuthError("Credential should be of the form AKID/date/region/service/aws4_request")
    access_key, day, scope_region, service, _ = scope
    if service != SERVICE:
        raise AuthError(f"Credential should be scoped to correct service: '{SERVICE}'.")
    if scope_region != region:
        raise AuthError(f"Credential should be scoped to a valid region, not '{scope_region}'.")
    amz_date = (_header_values(request, "x-amz-date") or [""])[-1]
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise AuthError(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        ) from None
    if amz_date[:8] != day:
        raise AuthError(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
            "of date from HTTP"
        )
    current = now or datetime.now(UTC)
    if abs(current - signed_at) > MAX_SKEW:
        raise AuthError(f"Signature expired: {amz_date} is now earlier or later than 15 minutes.")
    signed_headers = fields["SignedHeaders"].split(";")
    if "host" not in signed_headers:
        raise AuthError("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if secrets is None:
        return Caller(access_key, region)
    secret = secrets.get(access_key)
    if secret is None:
        raise AuthError("The security token included in the request is invalid.")
    expected = signature(
        request, signed_headers, amz_date, "/".join(scope[1:]), secret, day, region
    )
    if not hmac.compare_digest(expected, fields["Signature"]):
        raise AuthError(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details."
        )
    return Caller(access_key, region)


def canonical_request(request: SignedRequest, signed_headers: Sequence[str]) -> str:
    path = quote(request.raw_path or "/", safe="/~")
    pairs = parse_qsl(request.raw_query, keep_blank_values=True)
    query = "&".join(
        f"{quote(key, safe='-_.~')}={quote(value, safe='-_.~')}" for key, value in sorted(pairs)
    )
    lines = []
    for name in signed_headers:
        values = _header_values(request, name)
        lines.append(f"{name}:{','.join(' '.join(value.split()) for value in values)}\n")
    return "\n".join(
        [
            request.method.upper(),
            path,
            query,
            "".join(lines),
            ";".join(signed_headers),
            hashlib.sha256(request.body).hexdigest(),
        ]
    )


def signature(
    request: SignedRequest,
    signed_headers: Sequence[str],
    amz_date: str,
    scope: str,
    secret: str,
    day: str,
    region: str,
) -> str:
    digest = hashlib.sha256(canonical_request(request, signed_headers).encode()).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"
    key = ("AWS4" + secret).encode()
    for part in (day, region, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
