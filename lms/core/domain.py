"""The one base class of domain errors: every feature's error base (AccountError, CourseError, ...)
derives from it, so views and handlers can catch any rule a service refuses.

str(error) is a message for the user (often a lazy translation); `field` names the form input it
belongs to, when there is one. It stays a ValueError so code catching ValueError keeps working.
"""

from __future__ import annotations


class DomainError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
