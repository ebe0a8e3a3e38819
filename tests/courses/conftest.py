import pytest

from tests import factories


@pytest.fixture
def make_course(app, db):
    return factories.bind(app, factories.course)
