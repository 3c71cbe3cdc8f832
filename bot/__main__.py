"""`python -m bot` runs the earshot command line."""

from bot.cli import main

raise SystemExit(main())
