"""MotCua: the one-stop public service app."""

import os

# Piccolo finds its engine through this module path; set it here so that every entry point
# (granian, the CLIs, tests) works without remembering to export it.
os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
