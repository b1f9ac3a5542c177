import pytest

from tests.discussion.world import build


@pytest.fixture
def world(make, session):
    built = build(make)
    # Releases the test's savepoint: a refused request (4xx rolls back) keeps the world in place.
    session.commit()
    return built
