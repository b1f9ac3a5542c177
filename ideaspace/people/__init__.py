"""People: importing the organisation's people and units from a CSV file."""
