"""Webhooks: URLs an admin registers that receive HMAC-signed JSON for chosen ticket events."""
