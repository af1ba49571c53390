"""Naming the cause: commit attribution, scaling signatures, patterns from evidence."""
