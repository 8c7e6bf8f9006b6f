#!/usr/bin/env python
"""Django's command-line utility; the same as the `pronoia` console entry point."""
from pronoia.cli import main

if __name__ == "__main__":
    main()
