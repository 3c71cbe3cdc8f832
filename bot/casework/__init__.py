"""Use cases between handlers and the store/sources: what happens when someone acts on a case."""
