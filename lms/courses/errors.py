"""Domain errors of courses; str(error) is a message for the user, `field` names the input."""

from ..core.domain import DomainError


class CourseError(DomainError):
    """A rule of courses refused the action."""


class CoursePermissionDenied(CourseError):
    """The actor may not change this course (or assign it to this unit)."""


class CourseNotOpen(CourseError):
    """The course is not published, so learners cannot enrol or learn."""


class MediaRejected(CourseError):
    """An uploaded file is too large, of a type we do not serve, or not what its name says."""
