"""One router per resource; ``pantau.api.app.create_app`` includes them all."""
