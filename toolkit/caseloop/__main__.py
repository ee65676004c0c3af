from caseloop.cli import main

raise SystemExit(main())
