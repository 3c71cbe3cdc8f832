"""/track: what Earshot listens for on X, run for a person from Slack (commands, Home buttons)."""
