"""Send work to a SageMaker endpoint fleet through its router, signed with SigV4."""

from .client import DimensionStatus, FleetClient, InvokeResult
from .errors import FleetClientError

__all__ = ["DimensionStatus", "FleetClient", "FleetClientError", "InvokeResult"]
