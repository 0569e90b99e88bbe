"""PHP's value conventions, as the vendor's server reads and writes values: casts, ``parse_str`` of
bracket parameters, ``date('c')``. A leaf: every layer may use it, it uses none."""
