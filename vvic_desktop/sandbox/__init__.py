"""The built-in demo marketplace: a deterministic synthetic garment catalog (`catalog`) and a
loopback HTTP server (`server`) that speaks the marketplace protocols of DESIGN §4 over it.

It deliberately imports nothing from `vvic_desktop.core` or `vvic_desktop.markets`: a test
against the sandbox checks the client, instead of agreeing with it. One exception: the visual
matcher (`matching`) loads the app's EfficientNet-Lite0 embedding through
`core.features`' hash-checked model loader, as a stand-in for a real marketplace's own learned
image search (no one writes a second loader for the same file). The protocol code (requests,
signatures, answers) still never imports `core` or `markets`.
"""
