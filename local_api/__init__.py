"""A local API Gateway (REST, AWS_IAM) for the fleet's router and scaling API handlers."""

from .async_endpoint import SimulatedAsyncEndpoint
from .invocations import InvocationListener, RoutedInvocation
from .server import LocalApi

__all__ = ["InvocationListener", "LocalApi", "RoutedInvocation", "SimulatedAsyncEndpoint"]
