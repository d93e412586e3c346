"""Command modules: each adds its thin Typer commands to the root app with `register(app)`; `output` is shared."""
