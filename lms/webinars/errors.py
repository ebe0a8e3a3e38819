"""Domain errors of webinars; str(error) is a message for the user, `field` names the input."""

from ..core.domain import DomainError


class WebinarError(DomainError):
    """A rule of webinars refused the action."""


class NotAllowed(WebinarError):
    """The user may not do this (not registered, not a moderator, muted, ...)."""


class NotFound(WebinarError):
    """The webinar, message, question or poll does not exist (in this webinar)."""
