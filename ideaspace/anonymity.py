"""The minimum group size k: a floor no moderator or imported file can lower (docs/anonymity.md).

The floor is 5; the platform configuration (`MIN_GROUP_SIZE`) may raise it, never lower it. A
workspace's own `min_group_size` may only be at or above the floor, and every output reads k through
`group_size(workspace)`, so a row stored below the floor (an old database) still counts as the floor.
"""

from __future__ import annotations

from flask import current_app, has_app_context

K_FLOOR = 5


def k_floor() -> int:
    """The platform's floor for k: 5, or the configured MIN_GROUP_SIZE when that is higher."""
    configured = current_app.config.get("MIN_GROUP_SIZE", K_FLOOR) if has_app_context() else K_FLOOR
    try:
        configured = int(configured)
    except (TypeError, ValueError):
        configured = K_FLOOR
    return max(K_FLOOR, configured)


def group_size(workspace) -> int:
    """The k a workspace's outputs follow: its own minimum group size, never below the floor."""
    return max(k_floor(), workspace.min_group_size or 0)
