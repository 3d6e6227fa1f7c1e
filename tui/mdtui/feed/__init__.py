"""I/O: websocket workers, REST seeds and market lists, capture and replay, and the
supervisor that runs them."""
