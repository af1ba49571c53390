"""Markdown, JSON and SARIF exports of profiles, diffs, the triage and cycles."""
