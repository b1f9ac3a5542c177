"""Invitations: invite people and units to a workspace by email, remind them, sign in by link."""
