"""Excel integration: the xlwings live adapter (live_book) and the ribbon entry points (entry)."""
