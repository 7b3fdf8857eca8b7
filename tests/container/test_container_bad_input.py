"""Every kind of bad input gets a clear 4xx, never a 500, and the server keeps serving."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from model_server.launcher import LocalServer

from tests.container.container_http import call, invoke
from tests.container.container_support import MAX_BODY_BYTES, MAX_LATENCY_MS


@pytest.mark.parametrize(
    ("content_type", "fragment"),
    [
        ("application/json", "not supported"),
        ("application/x-www-form-urlencoded", "not supported"),
        ("text/plain", "not supported"),
        ("text/csvx", "not supported"),
        ("text/csv; charset=latin-1", "charset"),
        (None, "missing Content-Type"),
        ("", "missing Content-Type"),
    ],
)
def test_wrong_content_type_is_415(
    server: LocalServer, content_type: str | None, fragment: str
) -> None:
    reply = invoke(server.url, "100,50", content_type=content_type)
    assert reply.status == 415
    body = reply.json()
    assert body["error"] == "unsupported_media_type"
    assert fragment in body["message"]
    assert "text/csv" in body["message"] or "utf-8" in body["message"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"100", "expected 2 values"),
        (b"100,50,1", "expected 2 values"),
        (b"100,50\n200,50", "expected one CSV line"),
        (b"latency_ms,cpu_percent", "is not a number"),
        (b"abc,50", "latency_ms 'abc' is not a number"),
        (b"100,fifty", "cpu_percent 'fifty' is not a number"),
        (b"nan,50", "is not a number"),
        (b"100,inf", "is not a number"),
        (b"1e999,50", "out of range"),
        (b"0x10,50", "is not a number"),
        (b"1_000,50", "is not a number"),
        (b",50", "latency_ms is empty"),
        (b"-1,50", "latency_ms must not be negative"),
        (b"100,-5", "cpu_percent must not be negative"),
        (f"{MAX_LATENCY_MS + 1},50".encode(), "exceeds the ceiling"),
        (b"100,100.5", "cpu_percent 100.5 exceeds the ceiling 100"),
        (b"\xff\xfe1,2", "not valid UTF-8"),
        (b'"100,50', "expected 2 values"),
    ],
)
def test_malformed_csv_is_400(server: LocalServer, body: bytes, fragment: str) -> None:
    reply = invoke(server.url, body)
    assert reply.status == 400, reply.body
    payload = reply.json()
    assert payload["error"] == "bad_request"
    assert fragment in payload["message"]


def test_oversized_body_is_413(server: LocalServer) -> None:
    body = b"1,1\n" + b" " * MAX_BODY_BYTES
    reply = invoke(server.url, body)
    assert reply.status == 413
    assert "exceeds" in reply.json()["message"]
    assert reply.headers.get("connection") == "close"


def test_oversized_body_is_refused_before_it_is_read(server: LocalServer) -> None:
    # Announce a 10 MB body and send none of it: the answer must not wait for it.
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
            b"Content-Length: 10000000\r\n\r\n"
        )
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 413 ")


def test_missing_content_length_is_411(server: LocalServer) -> None:
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\n10,10\r\n0\r\n\r\n"
        )
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 411 ")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/invocations", 405),
        ("PUT", "/invocations", 405),
        ("DELETE", "/invocations", 405),
        ("POST", "/ping", 405),
        ("GET", "/", 404),
        ("POST", "/invoke", 404),
        ("OPTIONS", "/ping", 405),
        ("BREW", "/invocations", 405),
        ("BREW", "/coffee", 404),
    ],
)
def test_wrong_route_or_method(server: LocalServer, method: str, path: str, status: int) -> None:
    reply = call(server.url, method, path)
    assert reply.status == status
    assert "message" in reply.json()
    if status == 405:
        assert reply.headers["allow"]


def test_garbage_request_line_is_4xx(server: LocalServer) -> None:
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"GET /ping HTTP/1.x\r\n\r\n")
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 400 ")


def test_server_still_healthy_after_bad_input(server: LocalServer) -> None:
    for body in (b"", b"zzz", b"-1,-1", b"9" * 200):
        assert 400 <= invoke(server.url, body).status < 500
    assert call(server.url, "GET", "/ping").status == 200
    assert invoke(server.url, "10,10").status == 200
    assert server.process is not None
    assert server.process.poll() is None
    assert "Traceback" not in server.log_text()
