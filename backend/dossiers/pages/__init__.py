"""The dossier's HTML pages: the citizen's (citizen.py), the staff's queues and dossier page
with the action endpoint (staff.py), printable forms 02-06 (printed.py), and what they share
(rendering.py)."""
