"""The hub's one root error class and the few refusals the API maps to HTTP statuses.

Core modules raise these; ``hub.api`` turns them into 4xx answers with the message as the reason.
"""


class HubError(Exception):
    """Base of every error the hub raises on purpose; its message is shown to people."""

    status = 400


class NotAuthenticated(HubError):
    """No credential, an unknown one, or a revoked one."""

    status = 401


class Forbidden(HubError):
    """Authenticated, but not allowed (pushing as another kiosk, another prison's data)."""

    status = 403


class EnrolmentRefused(HubError):
    """The enrolment token is unknown, used, expired, or for another kiosk."""

    status = 403


class NotFound(HubError):
    status = 404


class Invalid(HubError):
    """A body or field that does not validate."""

    status = 422


class TooLarge(HubError):
    status = 413
