"""EVM basics every layer shares: the address pattern and its normalisation, the chain registry."""
