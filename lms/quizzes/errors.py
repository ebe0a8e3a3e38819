"""Domain errors of quizzes; str(error) is a message for the user, `field` names the input."""


class QuizError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class QuizPermissionDenied(QuizError):
    """The actor may not change this course's quizzes or see its results."""


class QuizNotAvailable(QuizError):
    """The learner cannot start an attempt now: not enrolled, not open yet, closed, no attempts left."""


class AttemptClosed(QuizError):
    """The attempt is finished (submitted, or closed at its deadline): answers are no longer taken."""
