"""Evaluations: criteria sets and periods defined by the center's manager; agencies score each
other, officials assess themselves, the center scores each agency."""
