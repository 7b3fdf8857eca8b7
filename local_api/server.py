"""LocalApi: the router and scaling API behind a loopback HTTP server, like API Gateway.

Each request is checked for SigV4 (403 like AWS_IAM auth otherwise), matched to a
resource under the stage, turned into a REST proxy event and handed to the handler; one
request at a time per handler, as in one Lambda container.

``stop()`` is bounded: it stops accepting connections at once, gives requests in flight
``grace`` seconds to finish, then closes every connection that is left.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .events import HttpReply, HttpRequest, http_reply, json_reply, proxy_event
from .invocations import InvocationListener, routed_invocation
from .routes import ROUTER_RESOURCE, SCALING_RESOURCE, Handler, Route, match
from .sigv4 import MISSING_TOKEN, AuthError, Caller, SignedRequest, authenticate

DEFAULT_CREDENTIALS: Mapping[str, str] = {"testing": "testing"}
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
# An oversized body is read and thrown away (up to this much, for at most DRAIN_SECONDS)
# after the 413 is sent: a client that is still sending when the server closes gets a
# reset ("Broken pipe") instead of the answer.
MAX_DRAIN = 64 * 1024 * 1024
DRAIN_SECONDS = 10.0
STOP_GRACE_SECONDS = 2.0
# (access key, HTTP method, resource path after the stage) -> allowed?
Authorizer = Callable[[str, str, str], bool]
Logger = Callable[[str], None]


class LocalApi:
    """``start()`` serves on a background thread and returns the stage URL."""

    def __init__(
        self,
        router_handler: Handler,
        scaling_handler: Handler,
        host: str = "127.0.0.1",
        port: int = 0,
        verify_signatures: bool = True,
        *,
        region: str = "us-east-1",
        stage: str = "v1",
        credentials: Mapping[str, str] | None = None,
        authorize: Authorizer | None = None,
        on_invocation: InvocationListener | None = None,
        log: Logger | None = None,
    ) -> None:
        self.routes = [
            Route("router", ROUTER_RESOURCE, router_handler),
            Route("scaling", SCALING_RESOURCE, scaling_handler),
        ]
        self.host = host
        self.port = port
        self.region = region
        self.stage = stage
        self.verify_signatures = verify_signatures
        self.credentials = dict(DEFAULT_CREDENTIALS if credentials is None else credentials)
        self.authorize = authorize
        self.on_invocation = on_invocation
        self._log = log
        self._locks = {route.name: threading.Lock() for route in self.routes}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._idle = threading.Condition()
        self._in_flight = 0
        self._connections: set[socket.socket] = set()
        self._when_stopped: list[Callable[[], None]] = []

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> str:
        if self._server is not None:
            return self.url
        server = _Server((self.host, self.port), _make_handler(self))
        self._server = server
        self._stopping = False
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="local-api",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop accepting, wait up to ``grace`` s for requests in flight, close the rest."""
        server = self._server
        if server is None:
            return
        self._stopping = True
        server.shutdown()  # the accept loop polls every 0.1 s
        server.server_close()
        deadline = time.monotonic() + max(0.0, grace)
        with self._idle:
            while self._in_flight and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            left_over = list(self._connections)
        for conn in left_over:  # idle keep-alive connections and requests past the grace
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=1)
        self._server = None
        self._thread = None
        callbacks, self._when_stopped = self._when_stopped, []
        for callback in callbacks:
            callback()

    def when_stopped(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once, at the end of the next :meth:`stop`."""
        self._when_stopped.append(callback)

    @property
    def in_flight(self) -> int:
        """Requests being read, handled or answered right now."""
        with self._idle:
            return self._in_flight

    @contextlib.contextmanager
    def _request(self) -> Iterator[None]:
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _connected(self, conn: socket.socket, open_: bool) -> None:
        with self._idle:
            if open_:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def __enter__(self) -> LocalApi:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The stage URL, like ``https://{api-id}.execute-api.{region}.amazonaws.com/{stage}``."""
        return f"{self.root_url}/{self.stage}"

    # -- one request ------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpReply:
        found = match(self.routes, request.raw_path, self.stage)
        if found is None:
            # API Gateway answers an unknown resource or stage exactly like an unsigned call:
            # https://repost.aws/knowledge-center/api-gateway-authentication-token-errors
            return json_reply(403, {"message": MISSING_TOKEN})
        try:
            caller = self._authenticate(request)
        except AuthError as exc:
            return json_reply(403, {"message": exc.message})
        if self.authorize is not None and not self.authorize(
            caller.access_key, request.method, found.path
        ):
            arn = (
                f"arn:aws:execute-api:{self.region}:123456789012:local/{found.stage}/"
                f"{request.method}{found.path}"
            )
            return json_reply(
                403,
                {
                    "message": f"User: arn:aws:iam::123456789012:user/{caller.access_key} is not "
                    f"authorized to perform: execute-api:Invoke on resource: {arn}"
                },
            )
        event = proxy_event(
            request,
            found.route.resource,
            found.path,
            found.parameters,
            found.stage,
            caller.access_key,
        )
        with self._locks[found.route.name]:
            try:
                response = found.route.handler(event, None)
            except Exception:
                self._say("handler raised:\n" + traceback.format_exc())
                return json_reply(502, {"message": "Internal server error"})
        reply = http_reply(response)
        if found.route.name == "router":
            self._notify(found.parameters.get("fleet", ""), event, reply)
        self._say(
            f"{request.method} {request.raw_path} -> {reply.status} {_summary(found.route, reply)}"
        )
        return reply

    def _authenticate(self, request: HttpRequest) -> Caller:
        signed = SignedRequest(
            request.method, request.raw_path, request.raw_query, request.headers, request.body
        )
        secrets = self.credentials if self.verify_signatures else None
        return authenticate(signed, self.region, secrets)

    def _notify(self, fleet: str, event: dict[str, Any], reply: HttpReply) -> None:
        if self.on_invocation is None:
            return
        try:
            body = json.loads(reply.body) if reply.body else None
        except ValueError:
            return
        invocation = routed_invocation(fleet, event.get("headers") or {}, reply.status, body)
        if invocation is not None:
            try:
                self.on_invocation(invocation)
            except Exception:
                self._say("invocation listener raised:\n" + traceback.format_exc())

    def _say(self, text: str) -> None:
        if self._log is not None:
            self._log(text)


def _summary(route: Route, reply: HttpReply) -> str:
    try:
        body = json.loads(reply.body) if reply.body else {}
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    if "message" in body:
        return str(body["message"])
    if route.name == "router":
        if "EndpointName" in body and body["EndpointName"] is None:
            return f"queued {body.get('InferenceId')} on the fleet queue"
        return f"routed to {body.get('EndpointName')}"
    return (
        f"desired={body.get('desiredCapacity')} actual={body.get('actualCapacity')} "
        f"{body.get('scalingStatus')}"
    )


def content_length(values: list[str] | None) -> int | None:
    """The body length the ``Content-Length`` header(s) declare, or None when invalid.

    RFC 9110, section 8.6: one or more digits; repeated headers must agree. No header is 0.
    """
    if not values:
        return 0
    lengths = {value.strip() for value in values}
    if len(lengths) != 1:
        return None
    (text,) = lengths
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text)


BAD_LENGTH = json_reply(400, {"message": "Invalid Content-Length header"})
TOO_LONG = json_reply(413, {"message": "Request Too Long"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a request thread never holds the process up

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client went away, or stop() closed the connection
        super().handle_error(request, client_address)


def _make_handler(api: LocalApi) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fleet-local-api"

        def setup(self) -> None:
            super().setup()
            api._connected(self.connection, True)

        def finish(self) -> None:
            api._connected(self.connection, False)
            with contextlib.suppress(OSError):
                super().finish()

        def handle_expect_100(self) -> bool:
            # Refuse before the client sends the body (curl asks for large uploads).
            rejected = self._rejected()
            if rejected is not None:
                self._send(rejected, close=True)
                return False
            return super().handle_expect_100()

        def _rejected(self) -> HttpReply | None:
            length = content_length(self.headers.get_all("Content-Length"))
            if length is None:
                return BAD_LENGTH
            return TOO_LONG if length > MAX_BODY else None

        def _serve(self) -> None:
            with api._request():
                length = content_length(self.headers.get_all("Content-Length"))
                if length is None:
                    self._send(BAD_LENGTH, close=True)  # the body's end is unknown
                    return
                if length > MAX_BODY:
                    self._send(TOO_LONG, close=True)
                    self._drain(length)
                    return
                body = self.rfile.read(length) if length else b""
                if len(body) < length:
                    self.close_connection = True  # the client gave up mid-body
                    return
                parts = urlsplit(self.path)
                request = HttpRequest(
                    method=self.command,
                    raw_path=parts.path,
                    raw_query=parts.query,
                    headers=list(self.headers.items()),
                    body=body,
                    source_ip=self.client_address[0],
                )
                self._send(api.handle(request), close=api._stopping)

        def _drain(self, length: int) -> None:
            """Read and discard the body so that the client gets to read the answer."""
            if length > MAX_DRAIN:
                return
            deadline = time.monotonic() + DRAIN_SECONDS
            left = length
            with contextlib.suppress(OSError):
                while left > 0 and (time_left := deadline - time.monotonic()) > 0:
                    self.connection.settimeout(time_left)
                    chunk = self.rfile.read(min(left, 1024 * 1024))
                    if not chunk:
                        return
                    left -= len(chunk)

        def _send(self, reply: HttpReply, close: bool = False) -> None:
            self.send_response(reply.status)
            names = {name.lower() for name, _ in reply.headers}
            for name, value in reply.headers:
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            if "x-amzn-requestid" not in names:
                self.send_header("x-amzn-RequestId", "local")
            self.send_header("Content-Length", str(len(reply.body)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
            self.wfile.flush()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return _Handler
