"""munigraph: a knowledge graph of partnerships between municipalities."""

__version__ = "0.1.0"
