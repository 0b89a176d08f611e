"""Batch and scenarios: recommend_many over DataFrames, scenario grids, decision maps (pandas)."""
