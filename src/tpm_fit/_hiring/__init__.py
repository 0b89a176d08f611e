"""Hiring: the role brief, its guidance data, renderings and the panel summary."""
