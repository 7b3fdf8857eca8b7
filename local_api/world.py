"""A standalone world: moto (server mode), a demo fleet, the simulated async endpoint,
a reconcile schedule, and the LocalApi in front of the real handlers.

``dispatch="queue"`` runs the fleet in queue mode: the fleet's SQS queue (with its
dead-letter queue) and the completion queue subscribed to the endpoints' success and
error SNS topics are created in moto, the endpoints are asynchronous with ONE shared
output path, the real dispatcher runs every ``dispatch_seconds`` on its own thread, its
InvokeEndpointAsync reaches the simulated async endpoint (:mod:`local_api.queue_mode`),
and the endpoint publishes each result's notification to SNS once it wrote the result.

``stop()`` takes a few seconds at most: the API stops accepting and gives requests in
flight ``grace`` seconds; every AWS call the reconciler makes from then on fails at once
(it would only be thrown away with the world), and no thread is waited for longer than a
second. Every thread the world starts is a daemon, so none can hold the process up.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError
from moto.server import ThreadedMotoServer

from .async_endpoint import SimulatedAsyncEndpoint
from .invocations import RoutedInvocation
from .queue_mode import LocalRuntime
from .server import STOP_GRACE_SECONDS, LocalApi

REPO = Path(__file__).resolve().parents[1]
BUCKET = "fleet-payloads"
EXAMPLE_KEY = "examples/hello.json"
TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
DEFAULT_INSTANCES = {"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0}
THREAD_JOIN_SECONDS = 1.0  # the longest stop() waits for any one thread
OUTPUT_PATH = f"s3://{BUCKET}/results/"  # queue mode: every endpoint's S3OutputPath
FAILURE_PATH = f"s3://{BUCKET}/failures/"  # queue mode: every endpoint's S3FailurePath
DISPATCH_MODES = ("direct", "queue")


class PortInUse(Exception):
    pass


class WorldStopping(BotoCoreError):
    """Raised in place of an AWS call the reconciler makes after ``stop()`` began."""

    fmt = "the local world is stopping; AWS call abandoned"


def decision_changed(last: Mapping[str, Any] | None, fields: Mapping[str, Any]) -> bool:
    """Whether a scheduled log line says something the last one with its message did not.

    A line that asks for updates always counts; the embedded-metric block (``_aws``, whose
    timestamp moves on every call) does not.
    """
    if last is None or fields.get("updates"):
        return True

    def meaning(values: Mapping[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in values.items() if key != "_aws"}

    return meaning(last) != meaning(fields)


class _QuietSchedule(logging.Filter):
    """Drops a line from the reconcile schedule that repeats the last one with its message,
    so that the request lines stay readable (every 5 s the reconciler decides the same)."""

    def __init__(self, thread: Callable[[], threading.Thread | None]) -> None:
        super().__init__()
        self._thread = thread
        self._last: dict[str, dict[str, Any]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        scheduler = self._thread()
        # Decision lines carry their fields; the EMF metric line is a raw dict (log.py).
        fields = getattr(record, "fields", None) or getattr(record, "raw", None)
        if scheduler is None or record.thread != scheduler.ident or not isinstance(fields, dict):
            return True
        message = record.getMessage()
        if not decision_changed(self._last.get(message), fields):
            return False
        self._last[message] = dict(fields)
        return True


def _join(thread: threading.Thread | None, seconds: float = THREAD_JOIN_SECONDS) -> bool:
    """Join a daemon thread for at most ``seconds``; True when it has ended."""
    if thread is None:
        return True
    thread.join(timeout=seconds)
    return not thread.is_alive()


def _bounded(action: Callable[[], None], name: str, seconds: float = THREAD_JOIN_SECONDS) -> bool:
    """Run ``action`` on a daemon thread, waiting at most ``seconds`` for it to return."""
    worker = threading.Thread(target=action, name=name, daemon=True)
    worker.start()
    return _join(worker, seconds)


def _ensure_import_paths() -> None:
    """``python -m local_api`` from the repository root: the handlers live in lambda_src."""
    for path in (REPO / "lambda_src", REPO):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def _check_port(host: str, port: int) -> None:
    if port == 0:
        return
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            raise PortInUse(f"port {port} on {host} is in use") from None


class LocalWorld:
    """Start with ``start()`` (returns self), stop with ``stop()``; a context manager too."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        moto_port: int = 0,
        latency_seconds: float = 0.5,
        instances: Mapping[str, int] | None = None,
        reconcile_seconds: float = 5.0,
        verify_signatures: bool = True,
        log: Callable[[str], None] | None = None,
        dispatch: str = "direct",
        dispatch_seconds: float = 1.0,
    ) -> None:
        if dispatch not in DISPATCH_MODES:
            raise ValueError(f"dispatch must be direct or queue, not {dispatch!r}")
        self.dispatch = dispatch
        self.dispatch_seconds = dispatch_seconds
        self.host = host
        self.port = port
        self.moto_port = moto_port
        self.instances = dict(DEFAULT_INSTANCES if instances is None else instances)
        self.reconcile_seconds = reconcile_seconds
        self.verify_signatures = verify_signatures
        self._log = log
        self.endpoint = SimulatedAsyncEndpoint(latency_seconds=latency_seconds, log=log)
        self.config: dict[str, Any] = {}
        self.api: LocalApi | None = None
        self.moto_url = ""
        self._moto: Any = None
        self._saved_env: dict[str, str | None] = {}
        self._stop = threading.Event()
        self._reconciler: threading.Thread | None = None
        self._dispatcher: threading.Thread | None = None
        self.fleet_queue: Any = None  # queue mode: simulator.fleet_queue.FleetQueue
        self.runtime: LocalRuntime | None = None
        self.dispatch_rounds = 0  # dispatcher rounds that have finished (queue mode)
        self._quiet = _QuietSchedule(lambda: self._reconciler)
        self._session: Any = None
        self.reconciles = 0  # scheduled reconciles that have finished (succeeded or failed)

    @property
    def api_url(self) -> str:
        assert self.api is not None, "start() first"
        return self.api.url

    @property
    def fleet(self) -> str:
        return str(self.config["fleet_name"])

    @property
    def example_input(self) -> str:
        return f"s3://{BUCKET}/{EXAMPLE_KEY}"

    def start(self) -> LocalWorld:
        _ensure_import_paths()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's access log
        _check_port(self.host, self.moto_port)
        _check_port(self.host, self.port)
        harness = importlib.import_module("tests.support.harness")
        runtime = importlib.import_module("fleet_autoscaler.runtime")
        handlers = importlib.import_module("fleet_autoscaler.handlers")
        self._moto = ThreadedMotoServer(ip_address=self.host, port=self.moto_port, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        # moto keeps its state per process, not per server: start from an empty account
        # even when an earlier world ran in this process (tests).
        urllib.request.urlopen(
            urllib.request.Request(f"{self.moto_url}/moto-api/reset", method="POST"), timeout=30
        ).close()
        self.config = harness.default_config()
        self._set_env(
            {
                **TEST_CREDENTIALS,
                "AWS_ENDPOINT_URL": self.moto_url,
                "STATE_TABLE": harness.TABLE,
                "FLEET_CONFIG": json.dumps(self.config),
                "AWS_SESSION_TOKEN": None,
                "AWS_SECURITY_TOKEN": None,
                "AWS_PROFILE": None,
            }
        )
        async_output: dict[str, Any] = {}
        if self.dispatch == "queue":
            async_output = self._create_fleet_queue()
        runtime.reset()
        if self.dispatch == "queue":
            sagemaker_client = boto3.client("sagemaker")
            self.runtime = LocalRuntime(self.fleet, lambda: sagemaker_client, self.endpoint)
            self.endpoint.on_complete = self._completed
        self._watch_aws_calls()
        logging.getLogger("fleet_autoscaler").addFilter(self._quiet)
        harness.create_table(boto3.client("dynamodb"))
        sagemaker = boto3.client("sagemaker")
        for endpoint in self.config["endpoints"]:
            harness.create_endpoint(
                sagemaker,
                endpoint["name"],
                endpoint["variant"],
                self.instances.get(endpoint["name"], 0),
                **async_output,
            )
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key=EXAMPLE_KEY, Body=b'{"prompt": "hello fleet"}\n')
        self.endpoint.start()
        router = importlib.import_module(f"{handlers.__name__}.router")
        scaling = importlib.import_module(f"{handlers.__name__}.scaling_api")
        self.api = LocalApi(
            router.handler,
            scaling.handler,
            host=self.host,
            port=self.port,
            verify_signatures=self.verify_signatures,
            credentials={"testing": "testing"},
            on_invocation=self.endpoint,
            log=self._log,
        )
        self.api.start()
        if self.reconcile_seconds > 0:
            reconciler = importlib.import_module(f"{handlers.__name__}.reconciler")
            self._reconciler = threading.Thread(
                target=self._reconcile_loop,
                args=(reconciler.handler,),
                name="reconcile-schedule",
                daemon=True,
            )
            self._reconciler.start()
        if self.dispatch == "queue":
            dispatcher = importlib.import_module(f"{handlers.__name__}.dispatcher")
            self._dispatcher = threading.Thread(
                target=self._dispatch_loop,
                args=(dispatcher.dispatch_once, runtime),
                name="dispatcher-schedule",
                daemon=True,
            )
            self._dispatcher.start()
        return self

    def _create_fleet_queue(self) -> dict[str, Any]:
        """Queue mode: the fleet queue, its DLQ, the completion queue and the SNS topics;
        FLEET_CONFIG gets ``dispatch`` and ``queue``. Returns the endpoints' async config."""
        fleet_queue_module = importlib.import_module("simulator.fleet_queue")
        self.fleet_queue = fleet_queue_module.FleetQueue(self.fleet)
        queue = self.fleet_queue.create(
            boto3.client("sqs"),
            boto3.client("sns"),
            output_path=OUTPUT_PATH,
            failure_path=FAILURE_PATH,
        )
        self.config.update(dispatch="queue", queue=queue)
        self._set_env({"FLEET_CONFIG": json.dumps(self.config)})
        return {
            "async_output": OUTPUT_PATH,
            "async_extra": self.fleet_queue.endpoint_async_config(),
        }

    def _completed(
        self, invocation: RoutedInvocation, failure: str | None, location: str, received: float
    ) -> None:
        """The endpoint wrote a result: its SNS notification (queue mode)."""
        fleet_queue_module = importlib.import_module("simulator.fleet_queue")
        message = fleet_queue_module.notification(
            invocation.endpoint_name,
            invocation.inference_id or "",
            received,
            time.time(),
            location,
            failure_reason=failure,
            input_location=invocation.input_location,
        )
        self.fleet_queue.publish_one(message)

    def _dispatch_loop(self, dispatch_once: Callable[[float], Any], runtime: Any) -> None:
        """The dispatcher's rounds (README, "Queue mode: the dispatcher"), each like a short
        scheduled invocation: the ledger reloaded if another container wrote it, one round,
        the ledger written.
        The runtime stand-in is put in place before each round: anything that resets the
        package's clients (a test between two requests) would otherwise remove it."""
        aws = importlib.import_module("fleet_autoscaler.aws")

        def round_() -> None:
            aws.override("sagemaker-runtime", self.runtime)
            engine = runtime.dispatcher()
            engine.begin()
            try:
                dispatch_once(time.time())
            finally:
                engine.save(time.time())

        def counted() -> None:
            self.dispatch_rounds += 1

        self._every(self.dispatch_seconds, round_, "dispatcher", counted)

    def _every(
        self, seconds: float, action: Callable[[], Any], label: str, done: Callable[[], None]
    ) -> None:
        """Run ``action`` every ``seconds`` until the world stops; a failure is reported and
        the schedule keeps going, as EventBridge's would; ``done`` after each run."""
        while not self._stop.wait(seconds):
            try:
                action()
            except WorldStopping:
                return
            except Exception as exc:
                if not self._stop.is_set():
                    self._say(f"{label} failed: {exc}")
            finally:
                done()

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop everything in about ``grace`` + 3 s at most, however busy the world is."""
        self._stop.set()  # the schedule ends; the reconciler's next AWS call fails at once
        if self.api is not None:
            self.api.stop(grace)
        self.endpoint.stop(THREAD_JOIN_SECONDS)
        if not _join(self._reconciler):
            self._say("reconciler still busy after 1 s; left to finish on its own")
        if not _join(self._dispatcher):
            self._say("dispatcher still busy after 1 s; left to finish on its own")
        if self._moto is not None:
            moto, self._moto = self._moto, None
            if not _bounded(moto.stop, "moto-stop"):
                self._say("moto did not stop within 1 s; left behind")
        if self._session is not None:
            self._session.events.unregister("before-send", unique_id=self._hook_id)
            self._session = None
        logging.getLogger("fleet_autoscaler").removeFilter(self._quiet)
        self._restore_env()
        runtime = sys.modules.get("fleet_autoscaler.runtime")
        if runtime is not None:
            runtime.reset()

    @property
    def _hook_id(self) -> str:
        return f"local-world-{id(self)}"

    def _watch_aws_calls(self) -> None:
        """Clients created from now on (the handlers' own) check each attempt with us.

        boto3 copies the session's event hooks into a client when it is created, so the
        hook reaches the handlers' clients, which are built lazily after start().
        """
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        self._session = boto3.DEFAULT_SESSION
        self._session.events.register(
            "before-send", self._abort_when_stopping, unique_id=self._hook_id
        )

    def _abort_when_stopping(self, **kwargs: Any) -> None:
        # Raised from before-send, a BotoCoreError that is not a connection error is not
        # retried by botocore: the reconcile ends at its next attempt instead of waiting
        # out retries and a 70 s read timeout against a moto that is going away.
        if self._stop.is_set() and threading.current_thread() in (
            self._reconciler,
            self._dispatcher,
        ):
            raise WorldStopping()

    def _say(self, text: str) -> None:
        if self._log is not None:
            self._log(text)

    def __enter__(self) -> LocalWorld:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _reconcile_loop(self, handler: Callable[[dict[str, Any], Any], Any]) -> None:
        event = {
            "version": "0",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "region": "us-east-1",
            "resources": [],
            "detail": {},
        }

        def counted() -> None:
            self.reconciles += 1

        self._every(self.reconcile_seconds, lambda: handler(event, None), "reconciler", counted)

    def _set_env(self, values: Mapping[str, str | None]) -> None:
        for name, value in values.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def _restore_env(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
