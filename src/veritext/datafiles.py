"""Reading the package's YAML data files (rules, lexicons, plans, facts).

The C-accelerated loader is several times faster than PyYAML's pure-Python one; with a dozen data
files it is the difference between a sluggish and a quick first verdict. Both are *safe* loaders.
"""

from __future__ import annotations

from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse YAML text with a safe loader (never constructs arbitrary objects)."""
    return yaml.load(text, Loader=_Loader)
