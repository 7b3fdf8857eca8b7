"""Server settings: command-line flags, falling back to environment variables."""

from __future__ import annotations

import argparse
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

DEFAULT_PORT = 8080  # SageMaker requires the container to listen on 8080.

ExecutorKind = Literal["process", "thread"]


class ConfigError(ValueError):
    """A setting has a value the server cannot run with."""


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    port_file: str | None
    endpoint_name: str
    instance_id: str
    workers: int
    executor: ExecutorKind
    max_latency_ms: float
    max_cpu_percent: float
    max_body_bytes: int
    slice_ms: float
    shutdown_grace_s: float
    log_requests: bool


def _env_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name}={raw!r} is not a number") from None


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name}={raw!r} is not an integer") from None


def _env_port(env: Mapping[str, str]) -> int:
    # SageMaker sets SAGEMAKER_BIND_TO_PORT for multi-container endpoints and
    # inference pipelines; otherwise the contract is port 8080.
    for name in ("SAGEMAKER_BIND_TO_PORT", "MODEL_SERVER_PORT"):
        raw = env.get(name, "").strip()
        if raw:
            if not raw.isdigit():
                raise ConfigError(f"environment variable {name}={raw!r} is not a port number")
            return int(raw)
    return DEFAULT_PORT


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(
        prog="serve",
        description=(
            "SageMaker-compatible load-test model server. POST /invocations with a "
            "text/csv body 'latency_ms,cpu_percent' spends about latency_ms of wall "
            "time at about cpu_percent of one core. Every flag has an environment "
            "variable fallback (shown in brackets)."
        ),
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["serve"],
        help="optional; SageMaker passes 'serve' when the image has an ENTRYPOINT",
    )
    parser.add_argument(
        "--host", default=env.get("MODEL_SERVER_HOST", "0.0.0.0"), help="[MODEL_SERVER_HOST]"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"0 picks a free port [SAGEMAKER_BIND_TO_PORT, MODEL_SERVER_PORT] "
        f"(default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--port-file",
        default=env.get("MODEL_SERVER_PORT_FILE") or None,
        help="write the bound port to this file once ready [MODEL_SERVER_PORT_FILE]",
    )
    parser.add_argument(
        "--endpoint-name",
        default=env.get("ENDPOINT_NAME", "local"),
        help="reported in every answer [ENDPOINT_NAME] (default 'local')",
    )
    parser.add_argument(
        "--instance-id",
        default=env.get("INSTANCE_ID") or socket.gethostname(),
        help="reported in every answer [INSTANCE_ID] (default: host name)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=_env_int(env, "MODEL_WORKERS", cpus),
        help=f"concurrent invocations [MODEL_WORKERS] (default: CPU count, {cpus})",
    )
    parser.add_argument(
        "--executor",
        choices=["process", "thread"],
        default=env.get("MODEL_EXECUTOR", "process"),
        help="process: real parallel CPU work; thread: light, GIL-bound [MODEL_EXECUTOR]",
    )
    parser.add_argument(
        "--max-latency-ms",
        type=float,
        default=_env_number(env, "MODEL_MAX_LATENCY_MS", 60_000),
        help="largest accepted latency_ms [MODEL_MAX_LATENCY_MS] (default 60000)",
    )
    parser.add_argument(
        "--max-cpu-percent",
        type=float,
        default=_env_number(env, "MODEL_MAX_CPU_PERCENT", 100),
        help="largest accepted cpu_percent, at most 100 [MODEL_MAX_CPU_PERCENT]",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=_env_int(env, "MODEL_MAX_BODY_BYTES", 1024),
        help="larger request bodies get 413 [MODEL_MAX_BODY_BYTES] (default 1024)",
    )
    parser.add_argument(
        "--slice-ms",
        type=float,
        default=_env_number(env, "MODEL_SLICE_MS", 10),
        help="CPU duty-cycle period [MODEL_SLICE_MS] (default 10)",
    )
    parser.add_argument(
        "--shutdown-grace-s",
        type=float,
        default=_env_number(env, "MODEL_SHUTDOWN_GRACE_S", 8),
        help="on SIGTERM, how long in-flight work may finish before it is aborted "
        "[MODEL_SHUTDOWN_GRACE_S] (default 8)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        default=env.get("MODEL_LOG_REQUESTS", "1") in ("0", "false", "no"),
        help="no access log [MODEL_LOG_REQUESTS=0]",
    )
    return parser


def _validate(s: Settings) -> Settings:
    if not 0 <= s.port <= 65535:
        raise ConfigError(f"port {s.port} is outside 0..65535")
    if s.workers < 1:
        raise ConfigError(f"workers must be at least 1, got {s.workers}")
    if s.max_latency_ms <= 0:
        raise ConfigError(f"max latency must be positive, got {s.max_latency_ms}")
    if not 0 < s.max_cpu_percent <= 100:
        raise ConfigError(f"max cpu percent must be in (0, 100], got {s.max_cpu_percent}")
    if s.max_body_bytes < 16:
        raise ConfigError(f"max body bytes must be at least 16, got {s.max_body_bytes}")
    if not 1 <= s.slice_ms <= 1000:
        raise ConfigError(f"slice must be within 1..1000 ms, got {s.slice_ms}")
    if s.shutdown_grace_s < 0:
        raise ConfigError(f"shutdown grace must not be negative, got {s.shutdown_grace_s}")
    return s


def load_settings(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Parse flags (argparse exits on --help or a malformed flag); raise ConfigError."""
    env = os.environ if env is None else env
    args = build_parser(env).parse_args(argv)
    settings = Settings(
        host=args.host,
        port=_env_port(env) if args.port is None else args.port,
        port_file=args.port_file,
        endpoint_name=args.endpoint_name,
        instance_id=args.instance_id,
        workers=args.workers,
        executor=args.executor,
        max_latency_ms=args.max_latency_ms,
        max_cpu_percent=args.max_cpu_percent,
        max_body_bytes=args.max_body_bytes,
        slice_ms=args.slice_ms,
        shutdown_grace_s=args.shutdown_grace_s,
        log_requests=not args.quiet,
    )
    return _validate(settings)
