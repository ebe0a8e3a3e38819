"""Domain errors of the competency catalogue; str(error) is a message for the user, `field` names
the input."""


class CompetencyError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class CompetencyPermissionDenied(CompetencyError):
    """The actor may not change this competency (a national SKJ one, or another agency's)."""
