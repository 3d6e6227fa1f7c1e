"""Server plumbing both exchanges share: HTTP, websocket services and sessions, limits."""
