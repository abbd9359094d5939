"""LLMs from the inside: the code behind the notebooks."""
