"""The service's blueprints, one per concern."""
