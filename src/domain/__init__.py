"""The pure core: the rules of a connection-status check, its ports and use cases."""
