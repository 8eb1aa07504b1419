from modelint.analyzer.cli import main

raise SystemExit(main())
