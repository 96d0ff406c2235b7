"""One module per technology behind a port."""
