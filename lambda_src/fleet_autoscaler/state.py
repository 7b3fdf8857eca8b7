"""DynamoDB adapter: one item per fleet, every write conditional on the version read."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from .model import FleetState


class VersionConflict(Exception):
    """Another writer changed the item since it was read."""


def item_key(fleet_name: str) -> str:
    return f"fleet#{fleet_name}"


class StateStore:
    """Reads and writes a fleet's state item with optimistic locking."""

    def __init__(self, client: Any, table: str, fleet_name: str) -> None:
        self._client = client
        self._table = table
        self._key = {"id": {"S": item_key(fleet_name)}}

    def load(self, consistent: bool = True) -> FleetState | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=self._key,
            ConsistentRead=consistent,
            ProjectionExpression="#v, #s",
            ExpressionAttributeNames={"#v": "version", "#s": "state"},
        )
        item = response.get("Item")
        if not item or "state" not in item:
            return None
        state = FleetState.from_json(item["state"]["S"])
        return replace(state, version=int(item["version"]["N"]))

    def _put(self, state: FleetState, condition: str, values: dict[str, Any] | None) -> None:
        item = {
            **self._key,
            "version": {"N": str(state.version)},
            "state": {"S": state.to_json()},
            "desired_capacity": {"N": str(state.desired)},
            "actual_capacity": {"N": str(state.actual)},
            "scaling_status": {"S": state.activity.status},
            "updated_at": {"N": f"{state.updated_at:.3f}"},
        }
        request: dict[str, Any] = {
            "TableName": self._table,
            "Item": item,
            "ConditionExpression": condition,
        }
        if values:
            request["ExpressionAttributeValues"] = values
        try:
            self._client.put_item(**request)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise VersionConflict(item_key(state.fleet_name)) from None
            raise

    def create(self, state: FleetState, now: float) -> FleetState:
        """Write a new item; fails with VersionConflict when one exists already."""
        created = replace(state, version=1, updated_at=now)
        self._put(created, "attribute_not_exists(id)", None)
        return created

    def save(self, state: FleetState, expected_version: int, now: float) -> FleetState:
        """Replace the item if it still has ``expected_version``; returns the stored state."""
        saved = replace(state, version=expected_version + 1, updated_at=now)
        self._put(saved, "version = :expected", {":expected": {"N": str(expected_version)}})
        return saved


def ledger_key(fleet_name: str) -> str:
    """The dispatcher's ledger item (queue mode), beside the fleet's state item."""
    return f"{fleet_name}#dispatch"


class LedgerStore:
    """The dispatcher's ledger: one item, written once per invocation, version-checked.

    The ledger lives in memory in a warm container; the version tells a container that
    another one wrote since it last read (a new container may serve an invocation while
    an older one stays warm), so it reloads instead of overwriting newer counts.
    """

    def __init__(self, client: Any, table: str, fleet_name: str) -> None:
        self._client = client
        self._table = table
        self._key = {"id": {"S": ledger_key(fleet_name)}}

    def load(self) -> tuple[str, int] | None:
        """The stored ledger JSON and its version, or None when there is none yet."""
        response = self._client.get_item(TableName=self._table, Key=self._key, ConsistentRead=True)
        item = response.get("Item")
        if not item or "ledger" not in item:
            return None
        return item["ledger"]["S"], int(item["version"]["N"])

    def save(self, ledger_json: str, expected_version: int, now: float) -> int:
        """Write the ledger if the item still has ``expected_version`` (0: no item yet)."""
        version = expected_version + 1
        request: dict[str, Any] = {
            "TableName": self._table,
            "Item": {
                **self._key,
                "version": {"N": str(version)},
                "ledger": {"S": ledger_json},
                "updated_at": {"N": f"{now:.3f}"},
            },
        }
        if expected_version:
            request["ConditionExpression"] = "version = :expected"
            request["ExpressionAttributeValues"] = {":expected": {"N": str(expected_version)}}
        else:
            request["ConditionExpression"] = "attribute_not_exists(id)"
        try:
            self._client.put_item(**request)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise VersionConflict(self._key["id"]["S"]) from None
            raise
        return version
