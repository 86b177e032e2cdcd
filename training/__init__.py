"""Offline model training (``make adapt``); runtime packages never import it."""
