"""Reports the offices hand upward: 月调度, 督查考核, the ledger and evaluation records, as data and .xlsx."""
