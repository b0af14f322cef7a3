"""The language of a question and the service's own words in it (English, Simplified Chinese)."""
