"""`python -m jiaohao`: the same command line as `jiaohao`."""

import sys

from jiaohao.cli import main

sys.exit(main())
