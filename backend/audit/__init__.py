"""Proof: the tamper-evident chain of dossier events."""
