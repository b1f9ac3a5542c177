"""Each person's own settings: language, and consent to be named under quotes."""
