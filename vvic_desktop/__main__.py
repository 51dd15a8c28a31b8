"""`python -m vvic_desktop` starts the GUI."""

from vvic_desktop.app import main

raise SystemExit(main())
