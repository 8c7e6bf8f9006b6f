"""Pension formulas per country pack, as dependency-ordered numpy functions (see engine.Model)."""
