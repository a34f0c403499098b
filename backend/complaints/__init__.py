"""Complaints and feedback (phản ánh, kiến nghị, PAKN): filed by citizens, handled by staff on
deadlines in working days, answers published without personal data."""
