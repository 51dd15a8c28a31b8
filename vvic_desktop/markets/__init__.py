"""One module per marketplace API, all behind `markets.base.Marketplace`. No Qt here."""
