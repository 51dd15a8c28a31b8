"""The built-in demo marketplace: a deterministic synthetic garment catalog (`catalog`) and a
loopback HTTP server (`server`) that speaks the marketplace protocols of DESIGN §4 over it.

It deliberately imports nothing from `vvic_desktop.core` or `vvic_desktop.markets`: a test
against the sandbox checks the client, instead of agreeing with it.
"""
