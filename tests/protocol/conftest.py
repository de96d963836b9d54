import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.config import ServerConfig


@pytest.fixture
def client(tmp_path):
    app = create_app(ServerConfig(data_dir=tmp_path / "data", ui_dir=tmp_path / "no-ui"))
    with TestClient(app) as test_client:
        yield test_client
