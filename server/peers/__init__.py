"""Other lanchat hosts on the local network: discovery, the known hosts, the prober, the doctor."""
