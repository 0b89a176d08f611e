"""Evaluation: the compiled rulebook (kernel), recommend() and counterfactuals."""
