from mdtui.cli import main

raise SystemExit(main())
