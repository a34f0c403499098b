"""The post's JSON API: the courier's round and confirmations (courier.py), the handover lists
of results to the post (handovers.py) and of collected paper dossiers to the center
(pickup_handovers.py)."""
