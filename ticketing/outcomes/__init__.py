"""Outcome transfer: cooperation intention, agreement, landing."""
