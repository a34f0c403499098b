"""The center's numbers: per-day counters kept with every transition, the dashboard, the
Decision 766 indicators, exports and public statistics."""
