"""Korbit on the simulator: websockets (public and private), public and private REST."""
