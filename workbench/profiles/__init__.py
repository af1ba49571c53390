"""Profiles: the model, format readers and writers, function identity, diff and gates."""
