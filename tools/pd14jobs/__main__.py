from pd14jobs.cli import main

raise SystemExit(main())
