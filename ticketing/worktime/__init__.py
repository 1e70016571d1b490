"""Working time: the zone's calendar of working days and the time targets counted on it."""
