"""Zones, parks, counties, enterprises and universities."""
