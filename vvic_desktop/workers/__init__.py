"""Qt threading: one helper (Task) and one pool per kind of latency."""
