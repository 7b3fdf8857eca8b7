"""The local API's SigV4 check against requests signed by botocore."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local_api.sigv4 import MISSING_TOKEN, AuthError, SignedRequest, authenticate

SECRETS = {"AKIDEXAMPLE": "secret"}
URL = "http://127.0.0.1:8787/v1/endpoints/demo?b=2&a=1"


def signed(
    body: bytes = b"",
    secret: str = "secret",
    service: str = "execute-api",
    region: str = "us-east-1",
    headers: dict[str, str] | None = None,
) -> SignedRequest:
    request = AWSRequest(method="POST", url=URL, data=body, headers=headers or {})
    SigV4Auth(Credentials("AKIDEXAMPLE", secret), service, region).add_auth(request)
    sent = [("Host", "127.0.0.1:8787"), *((k, str(v)) for k, v in request.headers.items())]
    return SignedRequest("POST", "/v1/endpoints/demo", "b=2&a=1", sent, body)


def test_a_botocore_signature_verifies() -> None:
    request = signed(b'{"x": 1}', headers={"InputLocation": "s3://b/k"})
    assert authenticate(request, "us-east-1", SECRETS).access_key == "AKIDEXAMPLE"


@pytest.mark.parametrize(
    ("make_request", "message"),
    [
        (lambda: SignedRequest("POST", "/v1/endpoints/demo", "", [], b""), MISSING_TOKEN),
        (lambda: signed(secret="wrong"), "signature we calculated does not match"),
        (lambda: signed(service="s3"), "correct service: 'execute-api'"),
        (lambda: signed(region="eu-west-1"), "valid region"),
    ],
)
def test_bad_requests_get_api_gateways_messages(
    make_request: Callable[[], SignedRequest], message: str
) -> None:
    # Signed when the test runs, not when pytest collects it: in a long parallel run the
    # two can be more than the 15 minutes apart after which a signature has expired.
    with pytest.raises(AuthError, match=message):
        authenticate(make_request(), "us-east-1", SECRETS)


def test_a_tampered_body_or_header_fails() -> None:
    request = signed(b"original", headers={"InputLocation": "s3://b/k"})
    tampered = SignedRequest(
        request.method, request.raw_path, request.raw_query, request.headers, b"changed"
    )
    with pytest.raises(AuthError, match="does not match"):
        authenticate(tampered, "us-east-1", SECRETS)
    swapped = [(k, "s3://b/other" if k == "InputLocation" else v) for k, v in request.headers]
    with pytest.raises(AuthError, match="does not match"):
        authenticate(
            SignedRequest(
                request.method, request.raw_path, request.raw_query, swapped, b"original"
            ),
            "us-east-1",
            SECRETS,
        )


def test_unknown_key_and_expired_signature() -> None:
    with pytest.raises(AuthError, match="security token included in the request is invalid"):
        authenticate(signed(), "us-east-1", {"OTHER": "secret"})
    later = datetime.now(UTC) + timedelta(minutes=20)
    with pytest.raises(AuthError, match="Signature expired"):
        authenticate(signed(), "us-east-1", SECRETS, now=later)


def test_without_secrets_only_the_form_is_checked() -> None:
    assert authenticate(signed(secret="anything"), "us-east-1", None).access_key == "AKIDEXAMPLE"
    garbage = SignedRequest("POST", "/", "", [("Authorization", "Bearer x")], b"")
    with pytest.raises(AuthError, match="AWS4-HMAC-SHA256"):
        authenticate(garbage, "us-east-1", None)
