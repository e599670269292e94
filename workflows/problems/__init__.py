"""问题协调 and 督查整改: problems on a measure, a second real workflow through the same engine."""
