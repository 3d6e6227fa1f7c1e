"""Overlays: market search and key help."""
