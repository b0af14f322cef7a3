"""A transaction read from the node alone, decoded, and explained with evidence per sentence."""
