"""Upbit on the simulator: websockets (public and private), quotation and exchange REST."""
