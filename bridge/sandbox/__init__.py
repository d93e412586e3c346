"""The sandbox repository: a local Digital.CSIC-style DSpace server (REST, SWORD v2, OAI-PMH, Handle, DataCite).

It is a real HTTP server over SQLite and a files folder; the bridge's embedded default target and the server
every integration test runs against. ``bridge.sandbox.server.running_sandbox`` starts it in-process.
"""
