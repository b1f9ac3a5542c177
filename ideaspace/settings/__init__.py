"""The instance settings store: what an admin changes at run time, audited, only in sudo mode."""
