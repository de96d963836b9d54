"""`lanchat serve`'s flags take their defaults from ServerConfig: with no flag given, the config
is ServerConfig() itself, and every flag is wired to it (giving it changes the config)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from desktop.cli import build_parser
from server.config import ServerConfig
from server.runtime.cli import DATABASE_URL_ENV, add_serve_arguments, config_from_args


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lanchat serve")
    add_serve_arguments(parser)
    return parser


# A value other than the default for each flag (a flag that takes none is given alone).
GIVEN = {
    "--host": ["0.0.0.0"],
    "--port": ["9000"],
    "--data": ["elsewhere"],
    "--database": ["postgresql://lanchat@127.0.0.1:5432/chat"],
    "--files-dir": ["/srv/lanchat-files"],
    "--state-poll-seconds": ["5"],
    "--trusted-proxy": ["10.0.0.10"],
    "--ping-interval": ["5"],
    "--ping-timeout": ["6"],
    "--max-history-mib": ["7"],
    "--max-file-mib": ["8"],
    "--max-room-files-mib": ["9"],
    "--max-host-files-mib": ["10"],
    "--min-free-disk-mib": ["11"],
    "--edit-window-hours": ["2"],
    "--request-head-timeout": ["3"],
    "--upload-idle-timeout": ["4"],
    "--upload-expiry-seconds": ["60"],
    "--upload-sweep-seconds": ["30"],
    "--room-token-seconds": ["120"],
    "--private-room": ["team={password_file}"],
    "--announce": [],
    "--browse": [],
    "--name": ["front desk"],
    "--known-host": ["192.0.2.7:8765"],
    "--allow-host": ["chat.example"],
    "--allow-plain-http": [],
    # the two go together: each is tried with the other
    "--tls-cert": ["cert.pem", "--tls-key", "key.pem"],
    "--tls-key": ["key.pem", "--tls-cert", "cert.pem"],
}


def flags(parser: argparse.ArgumentParser) -> list[str]:
    return [
        action.option_strings[-1]
        for action in parser._actions
        if action.option_strings and not isinstance(action, argparse._HelpAction)
    ]


def test_with_no_flag_the_config_is_the_server_configs_defaults():
    assert config_from_args(serve_parser().parse_args([])) == ServerConfig()


def test_lanchat_serve_from_the_lanchat_command_has_the_same_defaults():
    assert config_from_args(build_parser().parse_args(["serve"])) == ServerConfig()


def test_every_flag_has_a_value_to_try_here():
    assert sorted(flags(serve_parser())) == sorted(GIVEN)


@pytest.mark.parametrize("flag", sorted(GIVEN))
def test_each_flag_sets_the_config(flag, tmp_path: Path):
    password_file = tmp_path / "password"
    password_file.write_text("correct horse battery staple\n", encoding="utf-8")
    values = [value.format(password_file=password_file) for value in GIVEN[flag]]
    assert config_from_args(serve_parser().parse_args([flag, *values])) != ServerConfig()


@pytest.mark.parametrize("flag", ["--tls-cert", "--tls-key"])
def test_a_certificate_without_its_key_is_refused(flag):
    with pytest.raises(ValueError, match="go together"):
        config_from_args(serve_parser().parse_args([flag, "file.pem"]))


def test_the_database_comes_from_the_environment_unless_the_flag_names_one(monkeypatch):
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://node@db.example/chat")
    assert config_from_args(serve_parser().parse_args([])).database_url == "postgresql://node@db.example/chat"
    given = serve_parser().parse_args(["--database", "postgresql://other@db.example/chat"])
    assert config_from_args(given).database_url == "postgresql://other@db.example/chat"


def test_a_database_address_that_is_not_postgresql_is_refused():
    with pytest.raises(ValueError, match="postgresql://"):
        config_from_args(serve_parser().parse_args(["--database", "mysql://db.example/chat"]))


def test_the_config_never_shows_the_database_password():
    given = serve_parser().parse_args(["--database", "postgresql://node:s3cret@db.example/chat"])
    assert "s3cret" not in repr(config_from_args(given))


def test_a_trusted_proxy_is_an_address_or_a_network_and_nothing_else():
    given = serve_parser().parse_args(["--trusted-proxy", "10.0.0.10", "--trusted-proxy", "10.1.0.0/16"])
    assert config_from_args(given).trusted_proxies == ("10.0.0.10/32", "10.1.0.0/16")
    with pytest.raises(SystemExit):
        serve_parser().parse_args(["--trusted-proxy", "nginx.example"])
