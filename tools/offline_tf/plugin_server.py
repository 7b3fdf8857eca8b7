"""go-plugin server side: handshake, TLS, the Provider service and GRPCController.

Terraform launches the provider, reads one handshake line from its stdout
(``1|6|unix|<socket>|grpc|<server cert>``) and talks gRPC over that socket.

- Terraform always sets ``PLUGIN_CLIENT_CERT`` (auto-mTLS), so the server serves TLS with a
  fresh self-signed ``localhost`` certificate, sent base64 (DER, no ``=`` padding).
- grpcio cannot verify Go's P-521 client certificate, so client auth is off; the socket
  lives in a private 0700 folder instead.
- ``plugin.GRPCController/Shutdown`` ends the process at once; without it every provider
  launch would cost Terraform a kill timeout.

    python -m offline_tf.plugin_server NAME     (NAME: aws, archive)
"""

from __future__ import annotations

import base64
import datetime
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from google.protobuf import message_factory

from offline_tf import proto
from offline_tf.layout import Layout
from offline_tf.provider import StandinProvider

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
PROTOCOL_VERSION = "6"


def self_signed_cert() -> tuple[bytes, bytes, bytes]:
    """(key PEM, cert PEM, cert DER) for ``localhost``, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        key_encipherment=True,
        key_cert_sign=True,
        content_commitment=False,
        data_encipherment=False,
        key_agreement=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        key_pem,
        cert.public_bytes(serialization.Encoding.PEM),
        cert.public_bytes(serialization.Encoding.DER),
    )


def _serialize(response: Any) -> bytes:
    # Precomputed responses (the schema) are served as stored bytes.
    return response if isinstance(response, bytes) else response.SerializeToString()


def provider_handler(pb: Any, impl: StandinProvider) -> grpc.GenericRpcHandler:
    """Register every unary RPC the implementation has; the rest answer UNIMPLEMENTED."""
    handlers: dict[str, grpc.RpcMethodHandler] = {}
    for method in pb.DESCRIPTOR.services_by_name["Provider"].methods:
        fn: Callable[[Any, Any], Any] | None = getattr(impl, method.name, None)
        if fn is None or method.client_streaming or method.server_streaming:
            continue
        request_cls = message_factory.GetMessageClass(method.input_type)
        handlers[method.name] = grpc.unary_unary_rpc_method_handler(
            fn, request_deserializer=request_cls.FromString, response_serializer=_serialize
        )
    return grpc.method_handlers_generic_handler("tfplugin6.Provider", handlers)


def controller_handler(done: threading.Event) -> grpc.GenericRpcHandler:
    def shutdown(request: bytes, ctx: Any) -> bytes:
        # Let the (empty) answer leave before the server stops.
        threading.Timer(0.05, done.set).start()
        return b""  # google.protobuf.Empty

    method = grpc.unary_unary_rpc_method_handler(
        shutdown, request_deserializer=bytes, response_serializer=bytes
    )
    return grpc.method_handlers_generic_handler("plugin.GRPCController", {"Shutdown": method})


def serve(name: str, layout: Layout) -> int:
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        print("This is a Terraform provider plugin; Terraform starts it.", file=sys.stderr)
        return 1
    offered = os.environ.get("PLUGIN_PROTOCOL_VERSIONS", PROTOCOL_VERSION).split(",")
    if PROTOCOL_VERSION not in offered:
        print(f"plugin protocol 6 not offered (got {offered})", file=sys.stderr)
        return 1
    pb = proto.load(layout.proto)
    impl = StandinProvider(
        pb,
        schema_json=layout.schema_json(name),
        schema_pb=layout.schema_pb(name),
        metadata_pb=layout.metadata_pb(name),
    )
    done = threading.Event()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((provider_handler(pb, impl), controller_handler(done)))

    sockdir = Path(tempfile.mkdtemp(prefix="offline-tf-"))  # 0700, short path for sun_path
    sock = sockdir / "provider.sock"
    cert_field = ""
    if os.environ.get("PLUGIN_CLIENT_CERT"):
        key_pem, cert_pem, cert_der = self_signed_cert()
        creds = grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)
        server.add_secure_port(f"unix:{sock}", creds)
        cert_field = base64.b64encode(cert_der).decode().rstrip("=")
    else:
        server.add_insecure_port(f"unix:{sock}")
    server.start()
    sys.stdout.write(f"1|{PROTOCOL_VERSION}|unix|{sock}|grpc|{cert_field}\n")
    sys.stdout.flush()
    try:
        # Shutdown arrives over gRPC; a dead parent (reparented to init) also ends us.
        while not done.wait(1.0) and os.getppid() != 1:
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop(None)
        shutil.rmtree(sockdir, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m offline_tf.plugin_server NAME", file=sys.stderr)
        return 2
    return serve(args[0], Layout.default())


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # do not wait for grpc's worker threads
