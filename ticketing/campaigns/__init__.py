"""Campaigns (专项行动): a period, the universities and experts taking part, the places covered."""
