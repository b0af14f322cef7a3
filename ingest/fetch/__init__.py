"""Fetching from the internet: the SSRF guard, robots.txt, politeness, limits and retries."""
