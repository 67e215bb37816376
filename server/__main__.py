"""`python -m papershelf.server`: the papershelf command line."""

from papershelf.server.cli import main

main()
