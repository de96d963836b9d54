"""The host's TLS identity as a listener serves it: made or loaded at start, renewed for hosting."""

from __future__ import annotations

from server.config import ServerConfig
from server.peers.local_addresses import lan_addresses
from server.runtime.runner_errors import DataFolderProblem, ServerStartError
from server.tls.contexts import ServingIdentity
from server.tls.host_identity import HostIdentityError, from_files, load_or_create
from server.web.host_header import machine_names

__all__ = ["serving_identity"]


def serving_identity(config: ServerConfig) -> ServingIdentity:
    """The identity `config` names (--tls-cert/--tls-key), or the one kept in the data folder, its
    certificate naming every address and name this machine has now (renewed if it did not)."""
    if config.tls_cert is not None and config.tls_key is not None:
        try:
            return ServingIdentity.of(from_files(config.tls_cert, config.tls_key))
        except HostIdentityError as exc:
            raise ServerStartError(str(exc)) from exc
    names = [*machine_names(), *lan_addresses(), *config.allowed_hosts]
    try:
        return ServingIdentity.of(load_or_create(config.data_dir, names))
    except HostIdentityError as exc:
        raise DataFolderProblem(
            f"{exc}: move it aside to make a new host identity (everyone who joined this host"
            " will be told its identity changed)",
            exc.path,
        ) from exc
