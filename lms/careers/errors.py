"""Domain errors of careers; str(error) is a message for the user, `field` names the input."""

from ..core.domain import DomainError


class CareerError(DomainError):
    """A rule of careers refused the action."""


class CareerPermissionDenied(CareerError):
    """The actor may not see or change this person's career data."""
