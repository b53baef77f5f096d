#!/usr/bin/env python
"""Django's manage.py; the same as `minsheng` / `python -m minsheng`."""

from minsheng.__main__ import main

if __name__ == "__main__":
    main()
