"""`python -m vvic_desktop.cli` runs the `vvic` command."""

from vvic_desktop.cli import main

raise SystemExit(main())
