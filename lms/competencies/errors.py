"""Domain errors of the competency catalogue; str(error) is a message for the user, `field` names
the input."""

from ..core.domain import DomainError


class CompetencyError(DomainError):
    """A rule of the catalogue refused the action."""


class CompetencyPermissionDenied(CompetencyError):
    """The actor may not change this competency (a national SKJ one, or another agency's)."""
