"""The rules, grouped by family: one package per family, one module per rule (or tightly coupled pair)."""
