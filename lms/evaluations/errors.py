"""Domain errors of evaluations; str(error) is a message for the user, `field` names the input."""

from ..core.domain import DomainError


class EvaluationError(DomainError):
    """A rule of evaluations refused the action."""


class AlreadyAnswered(EvaluationError):
    """The survey or follow-up was answered before: answers are given once."""


class NotAllowed(EvaluationError):
    """The actor may not answer, edit or read this."""
