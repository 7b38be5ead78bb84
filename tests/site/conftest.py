import sys
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[2] / "flask.com"
sys.path.insert(0, str(SITE))

from flasksite import create_app  # noqa: E402


@pytest.fixture
def app():
    return create_app({"TESTING": True, "SECRET_KEY": "test-only", "IMAGE_TAG": "abc1234"})


@pytest.fixture
def client(app):
    return app.test_client()
