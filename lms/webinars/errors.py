"""Domain errors of webinars; str(error) is a message for the user, `field` names the input."""


class WebinarError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(WebinarError):
    """The user may not do this (not registered, not a moderator, muted, ...)."""


class NotFound(WebinarError):
    """The webinar, message, question or poll does not exist (in this webinar)."""
