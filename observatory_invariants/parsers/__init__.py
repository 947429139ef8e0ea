"""Readers: file content in, structures out (tokens, documents, reports). They know nothing about rules.

Nothing here imports from ``observatory_invariants.rules``; rules import from here.
"""
