"""The reports read what careers records: the careers builders and fixtures serve here too."""

from tests.careers.conftest import make_course, org, trainer, world  # noqa: F401
