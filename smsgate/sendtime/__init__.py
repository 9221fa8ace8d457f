"""When a text may go: quiet hours in the recipient's local time, state limits, brand windows."""
