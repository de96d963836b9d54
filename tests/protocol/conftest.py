import pytest
from fastapi.testclient import TestClient

from server.config import ServerConfig
from server.web.app import create_app

# TestClient sends `Host: testserver`: a name the user would list (see server/hosts.py).
TEST_HOSTS = ("testserver",)


@pytest.fixture(params=["sqlite", "postgresql"])
def client(request, tmp_path):
    """The server in this process, its history on each engine in turn: the protocol is the same
    whichever keeps the rooms (SQLite in the data folder, or a PostgreSQL database of this test's
    own, where the server runs as a cluster node)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    app = create_app(
        ServerConfig(
            data_dir=tmp_path / "data",
            ui_dir=tmp_path / "no-ui",
            allowed_hosts=TEST_HOSTS,
            database_url=url,
        )
    )
    with TestClient(app) as test_client:
        yield test_client
