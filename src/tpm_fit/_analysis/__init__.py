"""Analyses of results and rulebooks that go beyond one verdict: how firm it is, and why."""
