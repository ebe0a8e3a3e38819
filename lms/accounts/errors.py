"""Domain errors of accounts; str(error) is a message for the user, `field` names the input."""

from ..core.domain import DomainError


class AccountError(DomainError):
    """A rule of accounts refused the action."""


class PermissionDenied(AccountError):
    pass


class HrPermissionDenied(PermissionDenied):
    """The actor is not HR of the agency whose careers, catalogue or reports they touch."""
