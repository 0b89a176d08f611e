"""Explanation and rendering: text, Markdown and HTML views of results and rules."""
