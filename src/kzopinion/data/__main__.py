"""``python -m kzopinion.data check`` validates every table; ``rehash NAME ...`` records new checksums."""

import sys

from kzopinion.data.package import main

sys.exit(main())
