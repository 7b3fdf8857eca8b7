"""``python -m local_api`` (``make serve-local``): a local fleet API in the foreground."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

from .server import STOP_GRACE_SECONDS
from .signals import SignalStop
from .world import BUCKET, LocalWorld, PortInUse

# The first Ctrl-C/SIGTERM stops the world in about grace + 2 s; past grace + OVERDUE_SECONDS
# a watchdog ends the process (status 1) whatever is still running.
OVERDUE_SECONDS = 3.0


def _log(text: str) -> None:
    sys.stderr.write(f"{time.strftime('%H:%M:%S')} {text}\n")
    sys.stderr.flush()


def banner(world: LocalWorld) -> str:
    url = world.api_url
    fleet = world.fleet
    py = ".venv/bin/python"
    mode = ""
    if world.dispatch == "queue":
        queue = world.config["queue"]
        mode = (
            f"  queue mode: the router queues on {queue['queue_url']};\n"
            f"  the dispatcher runs every {world.dispatch_seconds:g} s and results land at "
            f"{queue['output_path']}<InferenceId>.out\n"
        )
    return f"""
Local fleet API (API Gateway REST, AWS_IAM) for fleet "{fleet}":
  router       POST  {url}/endpoints/{fleet}
  scaling API  GET|PATCH  {url}/scalableTargetDimensions/{fleet}
  moto (S3, SageMaker, DynamoDB, SQS, SNS)  {world.moto_url}
  endpoints: {", ".join(f"{name}={count}" for name, count in world.instances.items())} instances
{mode}
In another shell, copy-paste:

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_ENDPOINT_URL={world.moto_url}   # S3 payloads and results live in moto
export FLEET_API_URL={url} FLEET_NAME={fleet} FLEET_S3_PREFIX=s3://{BUCKET}/in/

echo '{{"prompt": "hi"}}' > /tmp/payload.json
{py} -m fleet_client invoke --upload /tmp/payload.json --wait
{py} -m fleet_client status
{py} -m fleet_client scale --desired 4 && sleep 6 && {py} -m fleet_client status
.venv/bin/awscurl --service execute-api --region us-east-1 -X POST \\
  -H 'InputLocation: {world.example_input}' {url}/endpoints/{fleet}
curl -i -X POST {url}/endpoints/{fleet}     # unsigned: 403 Missing Authentication Token

Ctrl-C (or SIGTERM) stops the server within a few seconds; a second one exits at once.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local_api",
        description="Serve the router and scaling API on loopback with moto behind them.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="API port (default 8787, 0 = any)")
    parser.add_argument(
        "--moto-port", type=int, default=8788, help="moto server port (default 8788, 0 = any)"
    )
    parser.add_argument(
        "--latency", type=float, default=2.0, help="simulated inference time in s (default 2)"
    )
    parser.add_argument(
        "--reconcile-every", type=float, default=5.0, help="reconciler period in s (default 5)"
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="accept any well-formed SigV4 header"
    )
    parser.add_argument(
        "--dispatch",
        choices=("direct", "queue"),
        default="direct",
        help="direct (the router invokes an endpoint) or queue (the router queues on the "
        "fleet's SQS queue and a dispatcher sends work where there is room); default direct",
    )
    parser.add_argument(
        "--dispatch-every",
        type=float,
        default=1.0,
        help="queue mode: seconds between dispatcher rounds (default 1)",
    )
    parser.add_argument(
        "--shutdown-grace",
        type=float,
        default=STOP_GRACE_SECONDS,
        help="on Ctrl-C, seconds requests in flight get to finish "
        f"(default {STOP_GRACE_SECONDS:g})",
    )
    args = parser.parse_args(argv)
    if args.shutdown_grace < 0:
        parser.error("--shutdown-grace must be 0 or more")
    if args.dispatch_every <= 0:
        parser.error("--dispatch-every must be more than 0")
    world = LocalWorld(
        host=args.host,
        port=args.port,
        moto_port=args.moto_port,
        latency_seconds=args.latency,
        reconcile_seconds=args.reconcile_every,
        verify_signatures=not args.no_verify,
        log=_log,
        dispatch=args.dispatch,
        dispatch_seconds=args.dispatch_every,
    )
    stopped = threading.Event()
    stopper = SignalStop(lambda signum: stopped.set(), "local_api")
    stopper.install()  # before start: a signal during start-up stops it right after
    try:
        world.start()
    except (PortInUse, OSError) as exc:
        sys.stderr.write(f"local_api: error: {exc} (choose another with --port/--moto-port)\n")
        world.stop(grace=0)
        return 1
    if not stopped.is_set():
        print(banner(world), flush=True)
    while not stopped.wait(1.0):
        pass
    overdue = threading.Timer(args.shutdown_grace + OVERDUE_SECONDS, _overdue)
    overdue.daemon = True
    overdue.start()
    world.stop(grace=args.shutdown_grace)
    _log("stopped")
    return 0


def _overdue() -> None:
    os.write(2, b"local_api: shutdown overdue, exiting now\n")
    os._exit(1)


if __name__ == "__main__":
    status = main()
    # Everything has stopped; skip the interpreter's teardown of moto's large module graph,
    # which alone takes 2-3 s on a busy 2-core machine. Nothing is left unflushed but stdio.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
