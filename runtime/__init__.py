"""The composition root shared by the web app and the command line: config, database, clock, services."""
