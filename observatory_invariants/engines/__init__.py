"""Analyses that are not rules: structures in, answers out (schema diffs, declared Docker builds, ...).

Engines import parsers, never rules; rules turn their answers into findings.
"""
