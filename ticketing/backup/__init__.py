"""Backup and restore of one instance: the database and the uploaded files."""
