"""`python -m bench` (what `make bench` runs): the whole benchmark suite."""

from bench.ingest import main

raise SystemExit(main())
