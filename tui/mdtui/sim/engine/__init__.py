"""The venue-neutral simulator core: markets, ticks, listings, the demo accounts and keys."""
