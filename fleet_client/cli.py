"""``fleet-client`` / ``python -m fleet_client``: invoke the fleet, show or set its capacity."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import boto3

from .client import AsyncRequest, DimensionStatus, FleetClient
from .errors import EXIT_CODES, FleetClientError, InferenceFailed, UsageError
from .payloads import Payloads, parse_s3_uri, upload_key
from .progress import Progress
from .retry import RetryPolicy
from .signing import resolve_identity
from .transport import HttpResponse
from .urls import ApiUrl, parse_api_url

PROG = "fleet-client"


def _parser() -> argparse.ArgumentParser:
    codes = ", ".join(f"{code} {what}" for what, code in EXIT_CODES.items())
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Send requests to a SageMaker endpoint fleet through its router "
        "(SigV4, execute-api) and read or set its capacity through the scaling API.",
        epilog=f"exit codes: {codes}",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        default=os.environ.get("FLEET_API_URL"),
        help="router API stage URL, e.g. https://abc.execute-api.us-east-1.amazonaws.com/v1 "
        "(env FLEET_API_URL; may end in /endpoints/<fleet>)",
    )
    common.add_argument(
        "--fleet", default=os.environ.get("FLEET_NAME"), help="fleet name (env FLEET_NAME)"
    )
    common.add_argument("--region", help="signing region (default: from the URL, then AWS_REGION)")
    common.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    common.add_argument(
        "--retries",
        type=int,
        default=3,
        help="retries after 503/429, with backoff honouring Retry-After (default 3)",
    )
    common.add_argument(
        "--max-retry-wait",
        type=float,
        default=30.0,
        help="longest wait between retries in seconds (default 30)",
    )
    common.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    invoke = commands.add_parser(
        "invoke",
        parents=[common],
        help="send one request (async: an S3 input; real-time: a body)",
        description="Async fleets take an S3 input (--input-location, or --upload FILE with "
        "--s3-prefix); real-time fleets take a body (--body FILE or --data TEXT).",
    )
    source = invoke.add_mutually_exclusive_group(required=True)
    source.add_argument("--input-location", help="s3:// URI of a payload already in S3")
    source.add_argument("--upload", type=Path, help="local payload file to upload first")
    source.add_argument("--body", type=Path, help="real-time: file to send as the body (- stdin)")
    source.add_argument("--data", help="real-time: text to send as the body")
    invoke.add_argument(
        "--s3-prefix",
        default=os.environ.get("FLEET_S3_PREFIX"),
        help="where --upload puts the payload, s3://bucket/prefix/ (env FLEET_S3_PREFIX)",
    )
    invoke.add_argument("--content-type", help="ContentType of the payload")
    invoke.add_argument("--accept", help="Accept")
    invoke.add_argument("--custom-attributes", help="CustomAttributes")
    invoke.add_argument("--inference-id", help="InferenceId (default: SageMaker assigns one)")
    invoke.add_argument("--invocation-timeout", type=int, help="InvocationTimeoutSeconds (1-3600)")
    invoke.add_argument("--request-ttl", type=int, help="RequestTTLSeconds (60-21600)")
    invoke.add_argument(
        "--wait", action="store_true", help="async: poll S3 until the output or failure appears"
    )
    invoke.add_argument(
        "--timeout", type=float, default=900.0, help="--wait gives up after this (s, default 900)"
    )
    invoke.add_argument(
        "--poll-interval", type=float, default=2.0, help="seconds between polls (default 2)"
    )
    invoke.add_argument("--output", "-o", type=Path, help="save the result here, not stdout")

    for name, text in (("status", "show the fleet's capacity"), ("scale", "set desired capacity")):
        sub = commands.add_parser(name, parents=[common], help=text, description=text)
        sub.add_argument(
            "--scaling-url",
            default=os.environ.get("FLEET_SCALING_URL"),
            help="scaling API stage URL (env FLEET_SCALING_URL; default: --url)",
        )
        sub.add_argument("--dimension", help="scalable target dimension id (default: the fleet)")
        sub.add_argument("--json", action="store_true", help="print the API's JSON")
        if name == "scale":
            sub.add_argument("--desired", type=int, required=True, help="new desired capacity")
    return parser


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = _parser().parse_args(argv)
    try:
        if args.command == "invoke":
            _invoke(args, out, err)
        else:
            _dimension(args, out, err)
    except FleetClientError as exc:
        err.write(f"{PROG}: error: {exc.message}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        err.write(f"{PROG}: interrupted\n")
        return 130
    return 0


# -- wiring ---------------------------------------------------------------------------------


def _apis(args: argparse.Namespace, scaling: bool) -> tuple[ApiUrl, ApiUrl | None, str | None]:
    """The router API, the scaling API (status/scale only) and a name found in a URL."""
    scaling_url = getattr(args, "scaling_url", None) if scaling else None
    if not args.url and not scaling_url:
        raise UsageError("no API URL: pass --url or set FLEET_API_URL")
    router_api, named = parse_api_url(args.url) if args.url else (None, None)
    scaling_api: ApiUrl | None = None
    if scaling_url:
        scaling_api, named_scaling = parse_api_url(scaling_url)
        named = named_scaling or named
    primary = router_api or scaling_api
    assert primary is not None
    return primary, scaling_api, named


def _client(args: argparse.Namespace, err: TextIO, scaling: bool) -> tuple[FleetClient, str]:
    router_api, scaling_api, named = _apis(args, scaling)
    fleet = args.fleet or named
    if not fleet:
        raise UsageError("no fleet: pass --fleet or set FLEET_NAME (or end --url in /endpoints/X)")
    if args.retries < 0:
        raise UsageError("--retries must be 0 or more")
    region = args.region or (scaling_api or router_api).region
    identity = resolve_identity(region, args.profile)

    def notice(attempt: int, wait: float, response: HttpResponse) -> None:
        if not args.quiet:
            err.write(
                f"{PROG}: {response.status} {response.message()}; retry {attempt} of "
                f"{args.retries} in {wait:.1f}s\n"
            )

    client = FleetClient(
        router=router_api,
        identity=identity,
        scaling=scaling_api,
        retry=RetryPolicy(attempts=args.retries + 1, max_wait_seconds=args.max_retry_wait),
        on_retry=notice,
    )
    return client, fleet


def _s3(args: argparse.Namespace, region: str) -> Payloads:
    session = boto3.session.Session(profile_name=args.profile, region_name=region)
    return Payloads(session.client("s3"))


# -- invoke ---------------------------------------------------------------------------------


def _invoke(args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
    if args.body is not None or args.data is not None:
        _invoke_realtime(args, out, err)
        return
    client, fleet = _client(args, err, scaling=False)
    payloads: Payloads | None = None
    if args.upload is not None:
        if not args.s3_prefix:
            raise UsageError("--upload needs --s3-prefix s3://bucket/prefix/ (or FLEET_S3_PREFIX)")
        destination = upload_key(
            parse_s3_uri(args.s3_prefix, prefix=True), args.upload, args.inference_id
        )
        payloads = _s3(args, client.identity.region)
        payloads.upload(args.upload, destination, args.content_type)
        _note(args, err, f"uploaded {args.upload} to {destination}")
        input_location = str(destination)
    else:
        input_location = str(parse_s3_uri(args.input_location))
    request = AsyncRequest(
        input_location=input_location,
        content_type=args.content_type,
        accept=args.accept,
        custom_attributes=args.custom_attributes,
        inference_id=args.inference_id,
        invocation_timeout_seconds=args.invocation_timeout,
        request_ttl_seconds=args.request_ttl,
    )
    result = client.invoke_async(fleet, request)
    if not args.wait:
        out.write(json.dumps(result.raw, indent=2) + "\n")
        return
    if not result.output_location:
        raise FleetClientError("the router's answer has no OutputLocation to wait for")
    where = "queued on the fleet queue" if result.queued else f"routed to {result.endpoint_name}"
    _note(
        args,
        err,
        f"{where} (InferenceId {result.inference_id}); output {result.output_location}",
    )
    payloads = payloads or _s3(args, client.identity.region)
    output = parse_s3_uri(result.output_location)
    failure = parse_s3_uri(result.failure_location) if result.failure_location else None
    progress = Progress(f"waiting for {output}", err, enabled=not args.quiet)
    try:
        outcome = payloads.wait(
            output, failure, args.timeout, args.poll_interval, progress=progress
        )
    finally:
        progress.done()
    if not outcome.succeeded:
        text = outcome.body.decode("utf-8", errors="replace").strip()
        raise InferenceFailed(f"the endpoint wrote a failure to {outcome.location}: {text}")
    _emit(args, out, outcome.body, err, str(outcome.location))


def _invoke_realtime(args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
    client, fleet = _client(args, err, scaling=False)
    if args.data is not None:
        body = args.data.encode("utf-8")
    elif str(args.body) == "-":
        body = sys.stdin.buffer.read()
    else:
        try:
            body = args.body.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {args.body}: {exc.strerror}") from None
    result = client.invoke_realtime(
        fleet, body, args.content_type, args.accept, args.custom_attributes
    )
    _note(args, err, f"answered by {result.endpoint_name or 'the fleet'}")
    _emit(args, out, result.body, err, "the response")


def _emit(args: argparse.Namespace, out: TextIO, data: bytes, err: TextIO, source: str) -> None:
    if args.output is not None:
        try:
            args.output.write_bytes(data)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
        _note(args, err, f"saved {len(data)} bytes from {source} to {args.output}")
        return
    text = data.decode("utf-8", errors="replace")
    out.write(text if text.endswith("\n") else text + "\n")


def _note(args: argparse.Namespace, err: TextIO, text: str) -> None:
    if not args.quiet:
        err.write(f"{PROG}: {text}\n")


# -- status / scale -------------------------------------------------------------------------


def _dimension(args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
    client, fleet = _client(args, err, scaling=True)
    dimension = args.dimension or fleet
    if args.command == "scale":
        status = client.set_desired(dimension, args.desired)
    else:
        status = client.dimension(dimension)
    if args.json:
        out.write(json.dumps(status.raw, indent=2) + "\n")
    else:
        out.write(format_status(status))


def format_status(status: DimensionStatus) -> str:
    rows: list[tuple[str, Any]] = [
        ("fleet", status.fleet),
        ("dimension", status.dimension_id),
        ("status", status.status),
        ("desired", _number(status.desired)),
        ("actual", _number(status.actual)),
        ("version", status.version),
    ]
    if status.failure_reason:
        rows.append(("failure", status.failure_reason))
    known = {
        "resourceName",
        "scalableTargetDimensionId",
        "scalingStatus",
        "desiredCapacity",
        "actualCapacity",
        "version",
        "failureReason",
        "dimensionName",
        "endpoints",
    }
    rows += [(key, value) for key, value in status.raw.items() if key not in known]
    lines = [f"{label:<10} {value}" for label, value in rows if value is not None]
    lines += _endpoint_lines(status.raw.get("endpoints"))
    return "\n".join(lines) + "\n"


def _endpoint_lines(endpoints: Any) -> list[str]:
    """Per-endpoint counts, when the scaling API exposes them (``endpoints``)."""
    if isinstance(endpoints, dict):
        endpoints = [{"name": name} | dict(value) for name, value in endpoints.items()]
    if not isinstance(endpoints, list) or not endpoints:
        return []
    lines = ["endpoints:"]
    for entry in endpoints:
        if isinstance(entry, dict):
            details = " ".join(f"{k}={v}" for k, v in entry.items() if k != "name")
            lines.append(f"  {entry.get('name', '?'):<24} {details}")
    return lines


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
