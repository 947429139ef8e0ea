"""I1/I2: the integration gate runs on contracts and services changes (not implemented yet)."""

from __future__ import annotations

from ...declare import Rule

I1 = Rule("I1", "Integration gate runs on contracts changes", "integration", ("workflows",),
          seed_check="dorny/paths-filter + job")
I2 = Rule("I2", "Integration gate runs on services changes", "integration", ("workflows",),
          seed_check="dorny/paths-filter + job")
