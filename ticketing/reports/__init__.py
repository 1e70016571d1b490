"""Figures for the zone: the dashboard."""
