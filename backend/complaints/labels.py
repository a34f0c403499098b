"""The names every complaint page prints (message ids, translated in the templates)."""

from __future__ import annotations

from backend.complaints.kinds import CENTER, CENTER_LABEL, CONDUCT_LABELS, KIND_HINTS, KIND_LABELS
from backend.complaints.workflow import EVENT_LABELS

LABELS = {
    "kinds": KIND_LABELS,
    "kind_hints": KIND_HINTS,
    "conducts": CONDUCT_LABELS,
    "events": EVENT_LABELS,
    "center": CENTER,
    "center_label": CENTER_LABEL,
}
