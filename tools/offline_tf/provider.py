"""The tfplugin6 Provider service of a stand-in: schema, validation, configuration, plan.

Terraform core checks configurations against the schema (names, nesting, required, types,
references), so the Validate* calls have nothing to add. Plan marks unset computed
attributes unknown; apply fills them with placeholders; a few data sources answer real or
fixed plausible values (see ``datasources``); the rest get placeholders.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from offline_tf import cty, functions, planning
from offline_tf.archive import ArchiveError
from offline_tf.datasources import READERS, Context

Json = dict[str, Any]


class ProviderError(Exception):
    """Becomes an error diagnostic in the response."""


class StandinProvider:
    """Method names are the tfplugin6 RPC names; each takes (request, grpc context)."""

    def __init__(
        self, pb: ModuleType, schema_json: Path, schema_pb: Path, metadata_pb: Path
    ) -> None:
        self.pb = pb
        self._schema_json = schema_json
        self._schema_pb = schema_pb
        self._metadata_pb = metadata_pb
        self.region: str | None = None
        self.default_tags: dict[str, str] = {}

    @cached_property
    def schema(self) -> Json:
        doc = json.loads(self._schema_json.read_text(encoding="utf-8"))
        providers = doc["provider_schemas"]
        provider: Json = providers[next(iter(providers))]
        return provider

    def _block(self, kind: str, type_name: str) -> Json:
        block: Json = self.schema[kind][type_name]["block"]
        return block

    def _value(self, dv: Any) -> Any:
        return cty.decode_dynamic(dv.msgpack, dv.json)

    def _dynamic(self, value: Any) -> Any:
        return self.pb.DynamicValue(msgpack=cty.encode_msgpack(value))

    def _error(self, summary: str, detail: str = "") -> Any:
        return self.pb.Diagnostic(severity=self.pb.Diagnostic.ERROR, summary=summary, detail=detail)

    # --- schema -----------------------------------------------------------------------------
    def GetMetadata(self, req: Any, ctx: Any) -> bytes:
        return self._metadata_pb.read_bytes()

    def GetProviderSchema(self, req: Any, ctx: Any) -> bytes:
        return self._schema_pb.read_bytes()

    def GetResourceIdentitySchemas(self, req: Any, ctx: Any) -> Any:
        return self.pb.GetResourceIdentitySchemas.Response()

    # --- validation: Terraform core already checked everything the schema says --------------
    def ValidateProviderConfig(self, req: Any, ctx: Any) -> Any:
        return self.pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, req: Any, ctx: Any) -> Any:
        return self.pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, req: Any, ctx: Any) -> Any:
        return self.pb.ValidateDataResourceConfig.Response()

    def ValidateEphemeralResourceConfig(self, req: Any, ctx: Any) -> Any:
        return self.pb.ValidateEphemeralResourceConfig.Response()

    # --- configuration ------------------------------------------------------------------------
    def ConfigureProvider(self, req: Any, ctx: Any) -> Any:
        config = self._value(req.config) or {}
        region = config.get("region")
        if not isinstance(region, str) or not region:
            region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        self.region = region
        default_tags = config.get("default_tags")
        if isinstance(default_tags, list) and default_tags:
            tags = default_tags[0].get("tags") if isinstance(default_tags[0], dict) else None
            if isinstance(tags, dict) and cty.is_known(tags):
                self.default_tags = tags
        return self.pb.ConfigureProvider.Response()

    def StopProvider(self, req: Any, ctx: Any) -> Any:
        return self.pb.StopProvider.Response()

    # --- managed resources --------------------------------------------------------------------
    def UpgradeResourceState(self, req: Any, ctx: Any) -> Any:
        raw = json.loads(req.raw_state.json or b"{}")
        block = self._block("resource_schemas", req.type_name)
        known = set(block.get("attributes", {})) | set(block.get("block_types", {}))
        state = {k: v for k, v in raw.items() if k in known}
        return self.pb.UpgradeResourceState.Response(upgraded_state=self._dynamic(state))

    def ReadResource(self, req: Any, ctx: Any) -> Any:
        return self.pb.ReadResource.Response(new_state=req.current_state, private=req.private)

    def PlanResourceChange(self, req: Any, ctx: Any) -> Any:
        prior = self._value(req.prior_state)
        proposed = self._value(req.proposed_new_state)
        if proposed is None or prior is not None:  # destroy, or update: keep what was proposed
            return self.pb.PlanResourceChange.Response(planned_state=req.proposed_new_state)
        block = self._block("resource_schemas", req.type_name)
        planned = planning.plan_create(block, proposed, self.region, self.default_tags)
        return self.pb.PlanResourceChange.Response(planned_state=self._dynamic(planned))

    def ApplyResourceChange(self, req: Any, ctx: Any) -> Any:
        planned = self._value(req.planned_state)
        if planned is None:
            return self.pb.ApplyResourceChange.Response(new_state=req.planned_state)
        block = self._block("resource_schemas", req.type_name)
        new = planning.apply_create(block, planned, req.type_name)
        return self.pb.ApplyResourceChange.Response(new_state=self._dynamic(new))

    def ImportResourceState(self, req: Any, ctx: Any) -> Any:
        return self.pb.ImportResourceState.Response(
            diagnostics=[self._error("Import is not supported by the offline stand-in provider")]
        )

    # --- data sources, ephemeral resources, functions -----------------------------------------
    def ReadDataSource(self, req: Any, ctx: Any) -> Any:
        config = self._value(req.config)
        reader = READERS.get(req.type_name)
        try:
            if reader is not None:
                state = reader(config, Context(region=self.region or "us-east-1"))
            else:
                block = self._block("data_source_schemas", req.type_name)
                state = planning.read_computed(block, config, req.type_name)
        except (ArchiveError, OSError, ValueError) as exc:
            return self.pb.ReadDataSource.Response(
                diagnostics=[self._error(f"{req.type_name}: {exc}")]
            )
        return self.pb.ReadDataSource.Response(state=self._dynamic(state))

    def OpenEphemeralResource(self, req: Any, ctx: Any) -> Any:
        config = self._value(req.config)
        block = self._block("ephemeral_resource_schemas", req.type_name)
        result = planning.read_computed(block, config, req.type_name)
        return self.pb.OpenEphemeralResource.Response(result=self._dynamic(result))

    def RenewEphemeralResource(self, req: Any, ctx: Any) -> Any:
        return self.pb.RenewEphemeralResource.Response()

    def CloseEphemeralResource(self, req: Any, ctx: Any) -> Any:
        return self.pb.CloseEphemeralResource.Response()

    def CallFunction(self, req: Any, ctx: Any) -> Any:
        args = [self._value(a) for a in req.arguments]
        try:
            result = functions.call(req.name, args)
        except (functions.FunctionError, TypeError) as exc:
            return self.pb.CallFunction.Response(error=self.pb.FunctionError(text=str(exc)))
        return self.pb.CallFunction.Response(result=self._dynamic(result))
