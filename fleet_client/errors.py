"""Expected failures, each with a message for people and an exit code for scripts."""

from __future__ import annotations


class FleetClientError(Exception):
    """A failure the CLI reports as one line on stderr, with its own exit code."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(FleetClientError):
    exit_code = 2


class CredentialsError(FleetClientError):
    exit_code = 3


class AccessDenied(FleetClientError):
    exit_code = 4


class NotFound(FleetClientError):
    exit_code = 5


class Unavailable(FleetClientError):
    exit_code = 6


class WaitTimeout(FleetClientError):
    exit_code = 7


class RequestRejected(FleetClientError):
    exit_code = 8


class ConnectionFailed(FleetClientError):
    exit_code = 9


class InferenceFailed(FleetClientError):
    """The endpoint wrote a failure object, or the model returned an error."""

    exit_code = 10


EXIT_CODES: dict[str, int] = {
    "ok": 0,
    "other error": FleetClientError.exit_code,
    "usage": UsageError.exit_code,
    "credentials": CredentialsError.exit_code,
    "access denied (403)": AccessDenied.exit_code,
    "fleet or dimension not found (404)": NotFound.exit_code,
    "unavailable after retries (503/429)": Unavailable.exit_code,
    "timed out waiting for the result": WaitTimeout.exit_code,
    "request rejected (400/405/413)": RequestRejected.exit_code,
    "connection failed": ConnectionFailed.exit_code,
    "inference failed (failure object or model error)": InferenceFailed.exit_code,
}
