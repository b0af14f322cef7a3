"""On-chain lookups: JSON-RPC per chain, contract inspection, untrusted on-chain strings."""
