"""HTTP layer: routes /ping and /invocations, reads bodies safely, answers JSON."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .app import App
from .payload import PayloadError, check_content_type, parse_csv

log = logging.getLogger("model_server")

IDLE_CONNECTION_TIMEOUT_S = 75.0


class ModelHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fleet-load-model"
    sys_version = ""
    timeout = IDLE_CONNECTION_TIMEOUT_S  # idle keep-alive connections end after this
    server: ModelHTTPServer

    _body_read = False

    def __getattr__(self, name: str) -> Any:
        # Every method, standard or not, goes through one router: a method the
        # server does not support is a 405 or 404, never the base class's 501.
        if name.startswith("do_"):
            return self._route
        raise AttributeError(name)

    # --- routing -------------------------------------------------------------
    def _route(self) -> None:
        self._body_read = False
        path = urlsplit(self.path).path
        try:
            if path == "/ping":
                if self.command in ("GET", "HEAD"):
                    status, body = self.server.app.ping()
                    self._send_json(status, body)
                else:
                    self._method_not_allowed("GET, HEAD")
            elif path == "/invocations":
                if self.command == "POST":
                    self._invocations()
                else:
                    self._method_not_allowed("POST")
            else:
                self._send_error(PayloadError(404, "not_found", f"no route {path[:80]!r}"))
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away; nothing to answer
        except Exception:
            log.exception("unexpected error serving %s %s", self.command, path[:80])
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._send_json(500, {"error": "internal", "message": "internal server error"})

    def _invocations(self) -> None:
        app = self.server.app
        if not app.begin():
            self.close_connection = True
            self._send_error(PayloadError(503, "unavailable", f"server is {app.status()}"))
            return
        try:
            received_at, t0 = time.time(), time.perf_counter()
            try:
                body = self._read_body(app.settings.max_body_bytes)
                check_content_type(self.headers.get("Content-Type"))
                request = parse_csv(body, app.limits)
                answer = app.invoke(request, received_at, t0)
            except PayloadError as err:
                self._send_error(err)
                return
            self._send_json(200, answer)
        finally:
            app.end()

    def _method_not_allowed(self, allow: str) -> None:
        self._send_error(
            PayloadError(405, "method_not_allowed", f"{self.command} is not allowed; use {allow}"),
            extra_headers={"Allow": allow},
        )

    # --- request body --------------------------------------------------------
    def _read_body(self, limit: int) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise PayloadError(
                411, "length_required", "chunked bodies are not supported; send Content-Length"
            )
        raw = self.headers.get("Content-Length")
        if raw is None:
            raise PayloadError(411, "length_required", "Content-Length is required")
        if not raw.strip().isdigit():
            raise PayloadError(400, "bad_request", "Content-Length is not a number")
        length = int(raw)
        if length > limit:
            raise PayloadError(
                413,
                "payload_too_large",
                f"body of {length} bytes exceeds {limit} bytes (MODEL_MAX_BODY_BYTES)",
            )
        body = self.rfile.read(length)
        if len(body) < length:
            raise ConnectionError("client closed the connection before sending the whole body")
        self._body_read = True
        return body

    # --- responses -------------------------------------------------------------
    def _send_error(self, err: PayloadError, extra_headers: dict[str, str] | None = None) -> None:
        if not self._body_read and self._has_body():
            # The unread body would be parsed as the next request: drop the connection.
            self.close_connection = True
        self._send_json(err.status, {"error": err.code, "message": err.message}, extra_headers)

    def _has_body(self) -> bool:
        length = self.headers.get("Content-Length", "0").strip()
        return bool(self.headers.get("Transfer-Encoding")) or length not in ("", "0")

    def _send_json(
        self, status: int, payload: dict[str, Any], extra_headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The base class's parser errors (bad request line, huge headers) as JSON."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            # Unparsable request line: still answer with a status line.
            self.request_version = "HTTP/1.0"
        self.log_error("code %d, message %s", code, message)
        self._send_json(
            code,
            {"error": "bad_request" if code < 500 else "internal", "message": message or ""},
        )

    # --- logging -----------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        if self.server.app.settings.log_requests:
            log.info("%s %s", self.address_string(), format % args)

    def log_error(self, format: str, *args: Any) -> None:
        log.warning("%s %s", self.address_string(), format % args)
