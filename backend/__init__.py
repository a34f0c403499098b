"""MotCua: the one-stop public service app."""
