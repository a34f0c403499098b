"""Administration pages: staff accounts, counters, agencies, procedures (the calendar lives in
catalog)."""
