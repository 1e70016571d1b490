"""Matchmaking fairs (推介洽谈会) and signing ceremonies (签约仪式)."""
