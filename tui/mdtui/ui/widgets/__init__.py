"""The dashboard panes (Line-API widgets) and the status line."""
