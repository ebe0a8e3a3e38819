"""Domain errors of quizzes; str(error) is a message for the user, `field` names the input."""

from ..core.domain import DomainError


class QuizError(DomainError):
    """A rule of quizzes refused the action."""


class QuizPermissionDenied(QuizError):
    """The actor may not change this course's quizzes or see its results."""


class QuizNotAvailable(QuizError):
    """The learner cannot start an attempt now: not enrolled, not open yet, closed, no attempts left."""


class AttemptClosed(QuizError):
    """The attempt is finished (submitted, or closed at its deadline): answers are no longer taken."""
