"""Kernel-less pages served by the client server (client links, the live poll)."""
