"""The Textual dashboard: the app, its panes (widgets/), overlays (screens/), themes and palette."""
