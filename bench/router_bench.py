"""Router benchmark: AWS calls per routed request and the cost of one routing decision.

Routes 10,000 async requests through the real router handler against moto
(in-process), counting every AWS API call the package's clients make, then
times the in-process routing decision alone. Prints numbers; it is not a test.

    make bench-router            # or: python bench/router_bench.py --requests 10000
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
import timeit
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lambda_src"), str(ROOT)]

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ.setdefault(_name, _value)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from fleet_autoscaler import runtime  # noqa: E402
from fleet_autoscaler.handlers import router, scaling_api  # noqa: E402
from tests.support.events import router_event, scaling_event  # noqa: E402
from tests.support.harness import TABLE, create_endpoint, create_table, default_config  # noqa: E402
from tests.support.runtime_spy import CallCounter  # noqa: E402

TARGET_AWS_CALLS = 1.02
TARGET_DECISION_US = 2.0  # issue 11: a routing decision <= 2 us
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


def build_fleet() -> None:
    create_table(boto3.client("dynamodb"))
    sagemaker = boto3.client("sagemaker")
    for name, count in (("demo-g5", 2), ("demo-g6", 1), ("demo-g4dn", 1)):
        create_endpoint(sagemaker, name, "AllTraffic", count)
    os.environ["STATE_TABLE"] = TABLE
    os.environ["FLEET_CONFIG"] = json.dumps(default_config())
    runtime.reset()
    # The state item exists, as it does once any other function has run.
    scaling_api.handler(scaling_event("GET", "demo"), None)


def route_requests(count: int) -> tuple[CallCounter, Counter[str], float]:
    calls = CallCounter().attach("dynamodb", "sagemaker", "sagemaker-runtime")
    endpoints: Counter[str] = Counter()
    headers = {"InputLocation": "s3://bench/input.csv", "ContentType": "text/csv"}
    event = router_event("demo", headers)
    started = time.perf_counter()
    for _ in range(count):
        response = router.handler(event, None)
        if response["statusCode"] != 200:
            raise SystemExit(f"router answered {response['statusCode']}: {response['body']}")
        endpoints[json.loads(response["body"])["EndpointName"]] += 1
    return calls, endpoints, time.perf_counter() - started


def decision_cost_us(repeats: int, number: int) -> tuple[float, float]:
    view = runtime.fleet_view()
    view.snapshot()
    selector = view.selector
    pick_only = timeit.repeat(selector.pick, number=number, repeat=repeats)

    def decide() -> None:
        view.snapshot()
        selector.pick()

    with_view = timeit.repeat(decide, number=number, repeat=repeats)
    return (
        statistics.median(pick_only) / number * 1e6,
        statistics.median(with_view) / number * 1e6,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    logging.getLogger("fleet_autoscaler").setLevel(logging.WARNING)

    with mock_aws():
        build_fleet()
        calls, endpoints, elapsed = route_requests(args.requests)
        pick_us, decide_us = decision_cost_us(args.repeats, 100_000)

    total = calls.count()
    dynamodb = calls.count("dynamodb")
    dynamodb_writes = calls.count("dynamodb", WRITES)
    per_request = total / args.requests

    def mark(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    print(f"routed requests               {args.requests}")
    print(f"wall time (moto in-process)   {elapsed:.2f} s")
    print(f"endpoint split (weights 2:1:1) {dict(endpoints)}")
    print(
        "AWS calls by operation        "
        + ", ".join(f"{svc}:{op}={n}" for (svc, op), n in sorted(Counter(calls.calls).items()))
    )
    print(
        f"AWS calls per request         {per_request:.4f}   "
        f"(target <= {TARGET_AWS_CALLS}) {mark(per_request <= TARGET_AWS_CALLS)}"
    )
    print(f"DynamoDB calls per request    {dynamodb / args.requests:.4f}")
    print(
        f"DynamoDB writes               {dynamodb_writes}   (target 0) {mark(dynamodb_writes == 0)}"
    )
    print(
        f"routing decision (pick)       {pick_us:.2f} us   "
        f"(median of {args.repeats} runs; target <= {TARGET_DECISION_US}) "
        f"{mark(pick_us <= TARGET_DECISION_US)}"
    )
    print(
        f"routing decision (view+pick)  {decide_us:.2f} us   "
        f"(cached snapshot check + pick) {mark(decide_us <= TARGET_DECISION_US)}"
    )


if __name__ == "__main__":
    main()
