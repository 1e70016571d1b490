"""Routing suggestions (精准对接): which university, then which expert, fits a ticket."""
