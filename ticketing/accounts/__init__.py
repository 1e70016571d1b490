"""People: users, their roles, sign-in."""
