"""Verification: exact proofs over the breakpoint grid that a rulebook keeps its promises."""
