"""The ledger importer: the plan's annex, .xlsx and .csv ledgers into plans, items, measures, units."""
