"""Moderation: reports, the moderation queue, hiding and restoring, the idea workflow, the audit log."""
