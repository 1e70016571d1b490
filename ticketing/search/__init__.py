"""Search: tickets found by their words through an index on either database."""
