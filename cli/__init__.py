"""The `reform` command line: a composition root over the runtime, like the web app."""
