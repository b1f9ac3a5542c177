"""Moderators read a theme, an activity or a workspace as clusters of what people wrote (issue 14)."""
