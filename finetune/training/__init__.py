"""LoRA fine-tuning of a chat model on a dataset folder, and the tiny base model for tests."""
