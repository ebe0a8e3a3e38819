"""Domain errors of accounts; str(error) is a message for the user, `field` names the input."""


class AccountError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class PermissionDenied(AccountError):
    pass


class HrPermissionDenied(PermissionDenied):
    """The actor is not HR of the agency whose careers, catalogue or reports they touch."""
