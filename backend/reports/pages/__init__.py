"""The reports' web pages: the dashboard and scorecard, the exports, the public statistics."""
