"""Notifications: channels, simulators, retries (environment variables documented here)."""
