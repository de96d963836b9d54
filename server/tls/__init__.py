"""Transport security: this host's TLS identity (its key and certificate) and how people check it."""
