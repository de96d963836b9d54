import pytest
from fastapi.testclient import TestClient

from server.config import ServerConfig
from server.web.app import create_app

# TestClient sends `Host: testserver`: a name the user would list (see server/hosts.py).
TEST_HOSTS = ("testserver",)


@pytest.fixture
def client(tmp_path):
    app = create_app(
        ServerConfig(data_dir=tmp_path / "data", ui_dir=tmp_path / "no-ui", allowed_hosts=TEST_HOSTS)
    )
    with TestClient(app) as test_client:
        yield test_client
