"""The postal pages: the counter's handover to the post (handover.py), the courier's round on
the phone (courier.py), a parcel's label and proof (parcels.py), and the citizen's booking of a
pickup of the paper dossier (pickup.py). The courier's JSON API is backend.postal.api."""
