"""Presentation without Textual: number formatting, the market catalogue, feed status,
and the state the panes share."""
