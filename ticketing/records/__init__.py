"""Rewards, the yearly work records of commissioners and experts, and university records."""
