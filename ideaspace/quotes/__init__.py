"""Quotes a moderator picks for the programme from comments, notes and ideas."""
