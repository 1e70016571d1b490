"""The security audit trail: sign-ins, account and settings changes, tokens, exports, imports."""
