"""Campaigns area: the campaign test bench, saved test cases and suites."""
