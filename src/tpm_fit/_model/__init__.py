"""Declarations: the organisation profile, the rulebook format and the result models.

Models here only *describe*; nothing in this package evaluates a rule.
"""
