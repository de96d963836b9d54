import sys

from server.runtime.cli import main

sys.exit(main())
