"""Notifications: in-app messages, an outbox of e-mails and robot posts, and its worker."""
