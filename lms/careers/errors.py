"""Domain errors of careers; str(error) is a message for the user, `field` names the input."""


class CareerError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class CareerPermissionDenied(CareerError):
    """The actor may not see or change this person's career data."""
