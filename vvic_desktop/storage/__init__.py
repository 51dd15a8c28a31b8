"""Everything the app keeps on disk or in the keyring: no Qt here (STYLE habit 1)."""
