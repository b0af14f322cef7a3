"""Ratings of answers from the front ends, kept as training data."""
