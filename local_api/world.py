"""A standalone world: moto (server mode), a demo fleet, the simulated async endpoint,
a reconcile schedule, and the LocalApi in front of the real handlers."""

from __future__ import annotations

import importlib
import json
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from .async_endpoint import SimulatedAsyncEndpoint
from .server import LocalApi

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


class PortInUse(Exception):
    pass


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
    ) -> None:
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
        runtime.reset()
        harness.create_table(boto3.client("dynamodb"))
        sagemaker = boto3.client("sagemaker")
        for endpoint in self.config["endpoints"]:
            harness.create_endpoint(
                sagemaker,
                endpoint["name"],
                endpoint["variant"],
                self.instances.get(endpoint["name"], 0),
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
                target=self._reconcile_loop, args=(reconciler.handler,), daemon=True
            )
            self._reconciler.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._reconciler is not None:
            self._reconciler.join(timeout=30)
        if self.api is not None:
            self.api.stop()
        self.endpoint.stop()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        self._restore_env()
        runtime = sys.modules.get("fleet_autoscaler.runtime")
        if runtime is not None:
            runtime.reset()

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
        while not self._stop.wait(self.reconcile_seconds):
            try:
                handler(event, None)
            except Exception as exc:  # the schedule keeps going, as EventBridge would
                if self._log is not None:
                    self._log(f"reconciler failed: {exc}")

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
