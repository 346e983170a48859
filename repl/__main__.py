from repl.cli import main

raise SystemExit(main())
