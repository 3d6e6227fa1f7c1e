"""Pure state: the normalized events, the market store and the account store."""
