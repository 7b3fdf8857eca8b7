"""The stand-in as Terraform starts it: go-plugin handshake, TLS, schema, Shutdown."""

from __future__ import annotations

import base64
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from offline_tf import proto
from offline_tf.layout import REPO_ROOT, Layout
from offline_tf.plugin_server import MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE


@dataclass
class Plugin:
    process: subprocess.Popen[str]
    channel: grpc.Channel
    pb: Any

    def call(self, service: str, method: str, request: Any, response_cls: Any) -> Any:
        rpc = self.channel.unary_unary(
            f"/{service}/{method}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_cls.FromString,
        )
        return rpc(request, timeout=30)


def _launcher(layout: Layout, name: str) -> Path:
    (path,) = layout.mirror.glob(f"*/*/{name}/*/*/terraform-provider-{name}_*")
    return path


@pytest.fixture
def aws_plugin(installed: Layout) -> Iterator[Plugin]:
    env = {
        **os.environ,
        MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE,
        "PLUGIN_PROTOCOL_VERSIONS": "5,6",
        "PLUGIN_CLIENT_CERT": "-----BEGIN CERTIFICATE-----\n",  # only its presence matters
        "OFFLINE_TF_PYTHON": sys.executable,
        "OFFLINE_TF_HOME": str(installed.home),
        "PYTHONPATH": str(REPO_ROOT / "tools"),
    }
    process = subprocess.Popen(
        [str(_launcher(installed, "aws"))], stdout=subprocess.PIPE, env=env, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    core, app, network, address, protocol, cert_b64 = line.split("|")
    assert (core, app, network, protocol) == ("1", "6", "unix", "grpc")
    der = base64.b64decode(cert_b64 + "=" * (-len(cert_b64) % 4))
    creds = grpc.ssl_channel_credentials(root_certificates=ssl.DER_cert_to_PEM_cert(der).encode())
    channel = grpc.secure_channel(
        f"unix:{address}", creds, options=[("grpc.ssl_target_name_override", "localhost")]
    )
    try:
        yield Plugin(process, channel, proto.load(installed.proto))
    finally:
        channel.close()
        if process.poll() is None:
            process.kill()
        process.wait()


def test_handshake_then_full_schema_over_tls(aws_plugin: Plugin) -> None:
    pb = aws_plugin.pb
    schema = aws_plugin.call(
        "tfplugin6.Provider",
        "GetProviderSchema",
        pb.GetProviderSchema.Request(),
        pb.GetProviderSchema.Response,
    )
    assert "aws_lambda_function" in schema.resource_schemas
    assert "aws_caller_identity" in schema.data_source_schemas
    assert schema.server_capabilities.get_provider_schema_optional


def test_shutdown_ends_the_process_without_a_kill(aws_plugin: Plugin) -> None:
    aws_plugin.call("plugin.GRPCController", "Shutdown", empty_pb2.Empty(), empty_pb2.Empty)
    # Terraform kills a plugin that is still alive 2 s after Shutdown; exiting is immediate.
    assert aws_plugin.process.wait(timeout=10) == 0


def test_launched_without_terraform_it_explains_itself(installed: Layout) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFLINE_TF_")}
    result = subprocess.run(
        [str(_launcher(installed, "aws"))], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 1
    assert "scripts/tf" in result.stderr
