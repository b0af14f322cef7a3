"""Fine-tuning: instruction datasets built from the knowledge base (and, later, training)."""
