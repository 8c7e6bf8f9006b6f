"""Dynamic forms: a JSON Schema plus presentation hints, rendered into accessible HTML and validating pages and API alike."""
