"""`python -m bot <command>`."""

from bot.adapters.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
