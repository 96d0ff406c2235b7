"""The edges: HTTP routes, the command line and the wiring between them."""
