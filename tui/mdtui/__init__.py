"""mdtui: a keyboard-driven terminal market screen for Upbit and Korbit."""

__version__ = "0.1.0"
