"""S3 side of async inference: upload the payload, wait for the output or the failure."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from .errors import AccessDenied, CredentialsError, FleetClientError, UsageError, WaitTimeout

_MISSING = frozenset({"404", "NoSuchKey", "NoSuchBucket", "NotFound"})
_DENIED = frozenset({"403", "AccessDenied", "Forbidden"})


@dataclass(frozen=True)
class S3Uri:
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse_s3_uri(text: str, *, prefix: bool = False) -> S3Uri:
    if not text.startswith("s3://"):
        raise UsageError(f"not an s3://bucket/key URI: {text!r}")
    bucket, _, key = text[5:].partition("/")
    if not bucket or (not key and not prefix):
        raise UsageError(f"not an s3://bucket/key URI: {text!r}")
    return S3Uri(bucket, key)


def upload_key(prefix: S3Uri, file: Path, inference_id: str | None) -> S3Uri:
    """``<prefix>/<inference id or uuid>/<file name>``: one object per request."""
    base = prefix.key if not prefix.key or prefix.key.endswith("/") else prefix.key + "/"
    return S3Uri(prefix.bucket, f"{base}{inference_id or uuid.uuid4()}/{file.name}")


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    location: S3Uri
    body: bytes


class Payloads:
    """Upload and poll through an S3 client (``boto3.client("s3")``)."""

    def __init__(self, s3: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self._s3 = s3
        self._clock = clock

    def upload(self, file: Path, destination: S3Uri, content_type: str | None) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror}") from None
        extra = {"ContentType": content_type} if content_type else {}
        self._guard(
            lambda: self._s3.put_object(
                Bucket=destination.bucket, Key=destination.key, Body=data, **extra
            ),
            "s3:PutObject",
            destination,
        )

    def wait(
        self,
        output: S3Uri,
        failure: S3Uri | None,
        timeout_seconds: float,
        interval_seconds: float = 2.0,
        progress: Callable[[float], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Outcome:
        """Poll until the output (success) or the failure object exists."""
        started = self._clock()
        while True:
            for location, succeeded in ((output, True), (failure, False)):
                if location is None:
                    continue
                body = self._fetch(location)
                if body is not None:
                    return Outcome(succeeded, location, body)
            elapsed = self._clock() - started
            if elapsed >= timeout_seconds:
                where = str(output) + (f" or {failure}" if failure else "")
                raise WaitTimeout(
                    f"no result at {where} after {elapsed:.0f}s; the request may still be "
                    "queued (scale-from-zero takes minutes): wait longer with --timeout"
                )
            if progress is not None:
                progress(elapsed)
            sleep(min(interval_seconds, max(0.0, timeout_seconds - elapsed)))

    def _fetch(self, location: S3Uri) -> bytes | None:
        def get() -> bytes | None:
            try:
                response = self._s3.get_object(Bucket=location.bucket, Key=location.key)
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                    return None
                raise
            return bytes(response["Body"].read())

        return self._guard(get, "s3:GetObject", location)

    @staticmethod
    def _guard(call: Callable[[], Any], action: str, location: S3Uri) -> Any:
        try:
            return call()
        except NoCredentialsError:
            raise CredentialsError("no AWS credentials found for S3") from None
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _DENIED:
                raise AccessDenied(
                    f"access denied: your identity lacks {action} on "
                    f"arn:aws:s3:::{location.bucket}/{location.key}"
                ) from None
            message = exc.response.get("Error", {}).get("Message", code)
            raise FleetClientError(f"S3 {action} on {location} failed: {message}") from None
        except BotoCoreError as exc:
            raise FleetClientError(f"S3 {action} on {location} failed: {exc}") from None
