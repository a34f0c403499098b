"""Temporary: backend/app.py imports the bell's hook from here. Once it imports
`backend.notifications.pages.count_unread`, delete this file."""

from backend.notifications.pages import count_unread

__all__ = ["count_unread"]
