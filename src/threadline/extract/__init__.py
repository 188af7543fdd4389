"""Identifier extraction: pure text -> Identifier functions, one module per kind."""
