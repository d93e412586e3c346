"""oai-bridge: publish research outputs to DSpace repositories and prove they stay findable."""

__version__ = "0.1.0"
