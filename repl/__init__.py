"""The `kb` command and the interactive REPL: the only code that prints."""
