"""HTTP surface: routes, parameter decoding, rendering, TLS."""
