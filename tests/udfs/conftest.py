"""udfs/ is imported as Flink's Python workers import it (shipped as python.files): `rules`, `functions`."""
import sys

from order_analytics.paths import UDFS

if str(UDFS) not in sys.path:
    sys.path.insert(0, str(UDFS))
