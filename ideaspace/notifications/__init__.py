"""Notifications people choose, their digest, and one-click unsubscribe (issue 16)."""
