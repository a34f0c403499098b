"""Satisfaction: one-tap ratings of a dossier, the counter kiosk, and the tables managers read."""
